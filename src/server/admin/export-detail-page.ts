/**
 * @module
 * `GET /admin/exports/:id`: one export with its parameters, its state, progress and job
 * counts, its company job, and its member jobs 25 at a time ("Page 3 of 77", how many there
 * are and how many match), filtered by state and searched by member name or email if asked
 * (`?state=…&q=…`, accents and case ignored), each with its files and their download links.
 * Three parts are live, each rendered by one function for the page and for its fragment
 * (`/admin/exports/:id/fragment/<part>`, with the page's filter, search and position): the
 * summary, the company job and the page of member jobs.
 */
import type { FastifyInstance } from 'fastify';
import {
  type DyiFile,
  type DyiJob,
  type ExportJob,
  type Id,
  JOB_STATES,
  type JobState,
  type Member,
  NotFoundError,
  ValidationError,
} from '../../domain/index.js';
import type { UserJobFilter } from '../../ports/metadata-store.js';
import type { PageRequest } from '../../ports/paging.js';
import type { Runtime } from '../../runtime.js';
import type { ExportStatus } from '../../services/export-service.js';
import { csrfField, type PanelSession, sendHtml, sendPage } from './admin-layout.js';
import { sessionOf } from './admin-session.js';
import {
  DATA_TYPE_LABELS,
  exportStateOf,
  FORMAT_LABELS,
  humanSize,
  JOB_STATE_LABELS,
  jobOutcomeWords,
  EXPORT_NOTICES,
  exportAnnouncer,
  exportEndAttributes,
  exportLabel,
  exportTitle,
  MEDIA_QUALITY_LABELS,
  MEMBERS_NAMED,
  memberScopeWords,
  exportProgress,
  progressBar,
  timeElement,
  timeRange,
} from './export-labels.js';
import { cardTable } from './card-table.js';
import { countText } from './community-labels.js';
import { durationWords } from './duration-words.js';
import { type Html, html } from './html.js';
import { pageParams, pageRequestOf, queryText, renderPager, urlWith } from './keyset-pager.js';
import { takeNotice } from './one-time-notices.js';

/** Member jobs per page. */
const JOBS_PER_PAGE = 25;
/** Files listed per job; the downloader and the API list them all. */
const FILES_PER_JOB = 100;
/** Characters of a member search at most (a name or an email is shorter). */
const SEARCH_MAX_LENGTH = 100;
const DAY_SECONDS = 86_400;

const LIVE_PARTS = ['summary', 'company-job', 'jobs', 'danger-zone'] as const;
type LivePart = (typeof LIVE_PARTS)[number];

/** What one view of the page shows: the export, and which member jobs. */
interface ExportView {
  readonly runtime: Runtime;
  /** For the forms of live parts (their CSRF token). */
  readonly session: PanelSession;
  readonly communityId: Id;
  readonly exportJob: ExportJob;
  readonly state: JobState | undefined;
  /** The member search as typed (trimmed), if any. */
  readonly search: string | undefined;
  readonly page: PageRequest;
}

export function registerExportDetail(panel: FastifyInstance, runtime: Runtime): void {
  panel.get('/exports/:id', async (request, reply) => {
    const session = sessionOf(request);
    const view = await viewOf(runtime, session, request.params, request.query);
    const { exportJob } = view;
    const path = exportPath(exportJob.id);
    const [summary, companyJob, memberJobs, dangerZone] = await Promise.all(
      LIVE_PARTS.map((part) => renderPart(view, part)),
    );
    const members = await memberScope(view);
    return sendPage(reply, {
      title: `${exportLabel(exportJob)} (export ${exportJob.id})`,
      session,
      section: 'exports',
      notice: takeNotice(request, reply, runtime, EXPORT_NOTICES),
      body: html`<p class="breadcrumb"><a href="/admin/exports">All exports</a></p>
          <h1 class="export-title">${exportTitle(exportJob)}</h1>
          <div class="card summary" data-live="${fragmentUrl(view, 'summary')}">${summary}</div>
          ${exportAnnouncer()}
          <h2>Parameters</h2>
          ${parameters(exportJob, members)}
          <h2 id="company-job-heading">Company job</h2>
          <div data-live="${fragmentUrl(view, 'company-job')}">${companyJob}</div>
          <h2 id="member-jobs-heading">Member jobs</h2>
          <form method="get" action="${path}" class="row filter" role="search">
            <div>
              <label for="job-search">Member name or email</label>
              <input
                type="search"
                id="job-search"
                name="q"
                value="${view.search ?? ''}"
                maxlength="${SEARCH_MAX_LENGTH}"
                aria-describedby="job-search-hint"
              />
              <small class="muted" id="job-search-hint">Any part of it; accents and case do not matter.</small>
            </div>
            <div>
              <label for="job-state">State</label>
              <select id="job-state" name="state">
                <option value="">All</option>
                ${JOB_STATES.map(
                  (state) =>
                    html`<option value="${state}" ${state === view.state ? html`selected` : ''}>
                      ${JOB_STATE_LABELS[state]}
                    </option>`,
                )}
              </select>
            </div>
            <button type="submit" class="secondary">Filter</button>
          </form>
          <div data-live="${fragmentUrl(view, 'jobs')}">${memberJobs}</div>
          <div data-live="${fragmentUrl(view, 'danger-zone')}">${dangerZone}</div>`,
    });
  });

  panel.get('/exports/:id/fragment/:part', async (request, reply) => {
    const session = sessionOf(request);
    const { part } = request.params as { part: string };
    if (!(LIVE_PARTS as readonly string[]).includes(part)) throw new NotFoundError(part);
    const view = await viewOf(runtime, session, request.params, request.query);
    const markup = await renderPart(view, part as LivePart);
    return sendHtml(reply, markup);
  });
}

/** The export whose id is the path's `:id`; NotFoundError when the community has none such. */
export async function exportOfPath(
  runtime: Runtime,
  communityId: Id,
  params: unknown,
): Promise<ExportJob> {
  const { id } = params as { id: string };
  if (!/^\d{1,20}$/.test(id)) throw new NotFoundError(id);
  return runtime.exports.get(communityId, id);
}

async function viewOf(
  runtime: Runtime,
  session: PanelSession,
  params: unknown,
  query: unknown,
): Promise<ExportView> {
  const communityId = session.community.id;
  const exportJob = await exportOfPath(runtime, communityId, params);
  const state = queryText(query, 'state');
  if (state !== undefined && !(JOB_STATES as readonly string[]).includes(state)) {
    throw new ValidationError('state', `The state filter must be one of ${JOB_STATES.join(', ')}.`);
  }
  const search = queryText(query, 'q')?.trim();
  if (search !== undefined && [...search].length > SEARCH_MAX_LENGTH) {
    throw new ValidationError(
      'q',
      `The member search must have at most ${SEARCH_MAX_LENGTH} characters: part of a name or an email.`,
    );
  }
  return {
    runtime,
    session,
    communityId,
    exportJob,
    state: state as JobState | undefined,
    search: search === '' ? undefined : search,
    page: pageRequestOf(query, JOBS_PER_PAGE),
  };
}

function exportPath(id: Id): string {
  return `/admin/exports/${id}`;
}

/** The query of the page's filter and search, which its links and live parts keep. */
function filterParams(view: ExportView): Record<string, string> {
  return {
    ...(view.search !== undefined && { q: view.search }),
    ...(view.state !== undefined && { state: view.state }),
  };
}

function jobFilterOf(view: ExportView): UserJobFilter {
  return { state: view.state, member: view.search };
}

function fragmentUrl(view: ExportView, part: LivePart): string {
  const path = `${exportPath(view.exportJob.id)}/fragment/${part}`;
  return part === 'jobs'
    ? urlWith(path, { ...filterParams(view), ...pageParams(view.page) })
    : path;
}

function renderPart(view: ExportView, part: LivePart): Promise<Html> {
  switch (part) {
    case 'summary':
      return summary(view);
    case 'company-job':
      return companyJob(view);
    case 'jobs':
      return memberJobs(view);
    case 'danger-zone':
      return dangerZone(view);
  }
}

async function summary(view: ExportView): Promise<Html> {
  const { runtime, exportJob } = view;
  const [status, totals, lastJobUpdate] = await Promise.all([
    runtime.exports.status(exportJob),
    runtime.jobs.exportFileTotals(exportJob.id),
    runtime.metadata.exports.lastJobUpdate(exportJob.id),
  ]);
  const { counts } = status;
  const state = exportStateOf(status);
  const id = exportJob.id;
  // Once ended, from its start to its last job's end; until then, from its start to now.
  const end = status.isCompleted
    ? (lastJobUpdate ?? exportJob.createTime)
    : Math.floor(runtime.clock.now() / 1000);
  return html`<div class="summary-head" ${exportEndAttributes(status)}>
      <span class="state ${state.className}">${state.words}</span>
      <span class="summary-progress">${exportProgress(`Export ${id}`, status)}</span>
    </div>
    <dl class="facts summary-meta">
      <div>
        <dt>Files</dt>
        <dd>${countText(totals.files)}</dd>
      </div>
      <div>
        <dt>Size</dt>
        <dd title="${totals.bytes} bytes">${humanSize(totals.bytes)}</dd>
      </div>
      <div>
        <dt>${status.isCompleted ? 'Time taken' : 'Running for'}</dt>
        <dd>${durationWords(end - exportJob.createTime)}</dd>
      </div>
      ${keptUntil(status)}
    </dl>
    <dl class="facts stats">
      ${stat('Completed jobs', counts.completed)} ${stat('Aborted jobs', counts.aborted)}
      ${stat('Failed jobs', counts.failed)} ${stat('Jobs in progress', counts.inProgress)}
      ${stat('Waiting jobs', counts.pending)} ${stat('Jobs in all', counts.total)}
    </dl>
    ${status.isExpired ? expiredNote() : downloadAllLink(id)}`;
}

function downloadAllLink(id: Id): Html {
  return html`<p class="actions">
    <a class="button" id="download-all" href="${exportPath(id)}/download-all">Download all</a>
  </p>`;
}

function expiredNote(): Html {
  return html`<p class="expired-note">
    Its files were deleted at the end of their retention; the export stays listed with its
    parameters. Start a new export to get the data again.
  </p>`;
}

/** When its files go (or went): a fact of the summary; nothing while it is kept forever. */
function keptUntil(status: ExportStatus): Html | '' {
  const { export: exportJob, expiresTime } = status;
  if (status.isExpired && exportJob.expiredTime !== null) {
    return html`<div>
      <dt>Expired</dt>
      <dd id="expiry">${timeElement(exportJob.expiredTime)}</dd>
    </div>`;
  }
  if (expiresTime === null) {
    if (exportJob.retentionDays === null) return '';
    return html`<div>
      <dt>Files kept until</dt>
      <dd id="expiry">${exportJob.retentionDays} days after it is ready</dd>
    </div>`;
  }
  return html`<div>
    <dt>Files kept until</dt>
    <dd id="expiry">${timeElement(expiresTime)}</dd>
  </div>`;
}

function stat(label: string, count: number): Html {
  return html`<div>
    <dt>${label}</dt>
    <dd>${countText(count)}</dd>
  </div>`;
}

/** The bottom of the page: what cannot be undone (cancelling only while the export runs). */
async function dangerZone(view: ExportView): Promise<Html> {
  const status = await view.runtime.exports.status(view.exportJob);
  const path = exportPath(view.exportJob.id);
  return html`<section class="danger-zone" aria-labelledby="danger-zone">
    <h2 id="danger-zone">Danger zone</h2>
    ${
      !status.isCompleted &&
      html`<div class="danger-row">
        <p>
          <strong>Cancel the export.</strong> Unfinished jobs stop and make no files; finished
          jobs keep theirs.
        </p>
        <a class="button danger-outline" id="cancel-export" href="${path}/cancel">Cancel export</a>
      </div>`
    }
    ${!status.isExpired && retentionRows(view, status)}
    <div class="danger-row">
      <p>
        <strong>Delete the export.</strong> Its jobs and all their files are removed, and their
        download links stop working.
      </p>
      <a class="button danger-outline" id="delete-export" href="${path}/delete">Delete export</a>
    </div>
  </section>`;
}

/**
 * Moving the expiry (a day, kept to its end, UTC; at most DYI_RETENTION_MAX_DAYS ahead), and,
 * once the export ended, deleting its files now (behind a confirmation).
 */
function retentionRows(view: ExportView, status: ExportStatus): Html {
  const path = exportPath(view.exportJob.id);
  const { config } = view.runtime;
  const today = Math.floor(view.runtime.clock.now() / 1000);
  const latest = isoDay(today + config.retentionMaxDays * DAY_SECONDS - DAY_SECONDS);
  const current = status.expiresTime === null ? '' : isoDay(status.expiresTime - 1);
  return html`<div class="danger-row">
      <form method="post" action="${path}/expiry" class="row">
        ${csrfField(view.session)}
        <div>
          <label for="keep-until">Keep files until (UTC, the day included)</label>
          <input
            type="date"
            id="keep-until"
            name="keep_until"
            required
            min="${isoDay(today)}"
            max="${latest}"
            value="${current}"
            aria-describedby="keep-until-hint"
          />
          <small class="muted" id="keep-until-hint">
            At most ${config.retentionMaxDays} days from today (${latest}). A running export keeps
            its files at least until it ends.
          </small>
        </div>
        <button type="submit" class="secondary" id="extend-export">Keep until then</button>
      </form>
    </div>
    ${
      status.isCompleted &&
      html`<div class="danger-row">
        <p>
          <strong>Delete the files now.</strong> Its files are deleted from this server; the
          export stays listed, as expired, with its parameters.
        </p>
        <a class="button danger-outline" id="expire-export" href="${path}/expire"
          >Delete files now</a
        >
      </div>`
    }`;
}

function isoDay(time: number): string {
  return new Date(time * 1000).toISOString().slice(0, 10);
}

/** The export's media options in words; what happens by default when none is chosen. */
function mediaOptionsWords(exportJob: ExportJob): string {
  const chosen = [
    exportJob.keepOriginalMedia && 'original files kept, with their metadata',
    exportJob.withholdOthersMedia && 'media other people posted withheld',
  ].filter((words) => words !== false);
  return chosen.length === 0 ? 'None: images without metadata' : chosen.join('; ');
}

/** The export's member scope in words, with the names of its first members. */
async function memberScope(view: ExportView): Promise<string> {
  const { runtime, exportJob } = view;
  if (exportJob.memberScope === 'all') return memberScopeWords('all', 0, []);
  const [status, first] = await Promise.all([
    runtime.exports.status(exportJob),
    runtime.jobs.listUserJobs(exportJob.id, { limit: MEMBERS_NAMED }),
  ]);
  const ids = first.items.flatMap((job) => (job.userId === null ? [] : [job.userId]));
  const found = await runtime.metadata.members.getMany(view.communityId, ids);
  const names = new Map(found.map((member) => [member.id, member.name]));
  const named = ids.map((id) => names.get(id) ?? `Unknown member ${id}`);
  return memberScopeWords(exportJob.memberScope, status.counts.total - 1, named);
}

function parameters(exportJob: ExportJob, members: string): Html {
  return html`<dl class="facts">
    <div>
      <dt>Created</dt>
      <dd>${timeElement(exportJob.createTime)}</dd>
    </div>
    <div>
      <dt>Created by</dt>
      <dd id="created-by">${createdByWords(exportJob)}</dd>
    </div>
    <div>
      <dt>Reason</dt>
      <dd id="export-reason">${exportJob.reason ?? html`<span class="muted">None given</span>`}</dd>
    </div>
    <div>
      <dt>Files kept</dt>
      <dd>${retentionWords(exportJob)}</dd>
    </div>
    <div>
      <dt>Members</dt>
      <dd id="member-scope">${members}</dd>
    </div>
    <div>
      <dt>Format</dt>
      <dd>${FORMAT_LABELS[exportJob.dyiFormat]}</dd>
    </div>
    <div>
      <dt>Media quality</dt>
      <dd>${MEDIA_QUALITY_LABELS[exportJob.mediaQuality]}</dd>
    </div>
    <div>
      <dt>Media options</dt>
      <dd>${mediaOptionsWords(exportJob)}</dd>
    </div>
    <div>
      <dt>Time range</dt>
      <dd>${timeRange(exportJob.startTime, exportJob.endTime)}</dd>
    </div>
    <div>
      <dt>Data types</dt>
      <dd>
        <ul class="data-types">
          ${exportJob.dataTypes.map(
            (type) => html`<li>${DATA_TYPE_LABELS[type]} <small class="muted">${type}</small></li>`,
          )}
        </ul>
      </dd>
    </div>
  </dl>`;
}

/** "Admin ada@acme.example", "Integration Legal exporter (token 123)", or not recorded. */
function createdByWords(exportJob: ExportJob): Html {
  const by = exportJob.createdBy;
  if (by === null) return html`<span class="muted">Not recorded</span>`;
  if (by.type === 'admin') return html`Admin ${by.name} <small class="muted">${by.id}</small>`;
  return html`Integration ${by.name || by.id}
    <small class="muted">${by.id}${by.tokenId === null ? '' : `, token ${by.tokenId}`}</small>`;
}

function retentionWords(exportJob: ExportJob): string {
  const days = exportJob.retentionDays;
  if (days === null) return 'Until it is deleted';
  return `${days} ${days === 1 ? 'day' : 'days'} after it is ready`;
}

async function companyJob(view: ExportView): Promise<Html> {
  const job = await view.runtime.exports.companyJob(view.exportJob.id);
  return jobsTable(view, [job], new Map(), 'company-job-heading');
}

async function memberJobs(view: ExportView): Promise<Html> {
  const { runtime, exportJob } = view;
  const filter = jobFilterOf(view);
  const page = await runtime.jobs.listUserJobs(exportJob.id, view.page, filter);
  const first = page.items[0];
  // Where the page is among the jobs that match, and (when filtered) how many there are in all.
  const [counted, all] = await Promise.all([
    runtime.jobs.countUserJobs(exportJob.id, filter, first?.id),
    isFiltered(view) ? runtime.jobs.countUserJobs(exportJob.id) : undefined,
  ]);
  const totals = html`<p class="job-totals" id="member-job-totals">
    ${all === undefined ? totalsWords(counted.matching) : totalsWords(all.matching, counted.matching)}
  </p>`;
  if (first === undefined) return html`${totals}${noMemberJobs(view)}`;
  const userIds = page.items.flatMap((job) => (job.userId === null ? [] : [job.userId]));
  const members = await runtime.metadata.members.getMany(view.communityId, userIds);
  const table = await jobsTable(
    view,
    page.items,
    new Map(members.map((member) => [member.id, member])),
    'member-jobs-heading',
  );
  return html`${totals}${table}
  ${renderPager(page, {
    label: 'Pages of member jobs',
    path: exportPath(exportJob.id),
    params: filterParams(view),
    previous: 'Previous',
    next: 'Next',
    position: {
      number: Math.floor(counted.before / JOBS_PER_PAGE) + 1,
      of: Math.max(1, Math.ceil(counted.matching / JOBS_PER_PAGE)),
    },
  })}`;
}

function isFiltered(view: ExportView): boolean {
  return view.state !== undefined || view.search !== undefined;
}

const COUNT_FORMAT = new Intl.NumberFormat('en-US');

/** "1,916 member jobs", and with a filter "; 312 match". */
function totalsWords(all: number, matching?: number): string {
  const jobs = `${COUNT_FORMAT.format(all)} member job${all === 1 ? '' : 's'}`;
  if (matching === undefined) return `${jobs}.`;
  return `${jobs}; ${COUNT_FORMAT.format(matching)} match${matching === 1 ? 'es' : ''}.`;
}

/** What an empty page of member jobs says, and the way back to the first page. */
function noMemberJobs(view: ExportView): Html {
  const isFirstPage = view.page.after === undefined && view.page.before === undefined;
  if (!isFirstPage) {
    return html`<p>
      No member jobs on this page any more.
      <a href="${urlWith(exportPath(view.exportJob.id), filterParams(view))}">See the first page</a>.
    </p>`;
  }
  const state = view.state && JOB_STATE_LABELS[view.state].toLowerCase();
  const words =
    view.search !== undefined
      ? `No member job${state ? ` that is ${state}` : ''} is for a member whose name or email contains “${view.search}”.`
      : state
        ? `No member job is ${state}.`
        : 'This export has no member jobs.';
  return html`<p>${words}</p>`;
}

async function jobsTable(
  view: ExportView,
  jobs: readonly DyiJob[],
  members: ReadonlyMap<Id, Member>,
  labelledBy: string,
): Promise<Html> {
  const files = await Promise.all(
    jobs.map((job) =>
      Promise.resolve(view.runtime.jobs.listFiles(job.id, { limit: FILES_PER_JOB })),
    ),
  );
  return cardTable({
    columns: ['Job', 'Type', 'Member', 'State', 'Progress', 'Files'],
    rows: jobs.map((job, index) => {
      const page = files[index];
      return jobRow(job, members, page?.items ?? [], page?.hasNext ?? false);
    }),
    labelledBy,
  });
}

function jobRow(
  job: DyiJob,
  members: ReadonlyMap<Id, Member>,
  files: readonly DyiFile[],
  hasMoreFiles: boolean,
): Html {
  const outcome = jobOutcomeWords(job);
  const member = job.userId === null ? undefined : members.get(job.userId);
  return html`<tr>
    <td data-label="Job">${job.id}</td>
    <td data-label="Type">${job.jobType === 'COMPANY' ? 'Company' : 'Member'}</td>
    <td data-label="Member">${memberCell(job, member)}</td>
    <td data-label="State">
      <span class="state state-${job.state}">${JOB_STATE_LABELS[job.state]}</span>
      ${outcome && html`<br /><span class="reason">${outcome}</span>`}
      ${job.abortReason && html`<small class="muted">${job.abortReason}</small>`}
    </td>
    <td data-label="Progress" class="nowrap">${progressBar(`Job ${job.id}`, job.progress)}</td>
    <td data-label="Files">${fileList(files, hasMoreFiles)}</td>
  </tr>`;
}

/** Who a job exports: the member's name (and status when not active) and id. */
function memberCell(job: DyiJob, member: Member | undefined): Html {
  if (job.userId === null) return html`<span class="muted">Whole community</span>`;
  const status = member && member.status !== 'active' && ` (${member.status})`;
  return html`<span class="member-name">${member?.name ?? 'Unknown member'}</span>
    ${status && html`<span class="muted">${status}</span>`}
    <small class="muted">${job.userId}</small>`;
}

function fileList(files: readonly DyiFile[], hasMore: boolean): Html {
  if (files.length === 0) return html`<span class="muted">No files</span>`;
  return html`<ul class="files">
      ${files.map(
        (file) =>
          html`<li>
            <span class="file-name">${file.name}</span>
            <span class="muted" title="${file.size} bytes">${humanSize(file.size)}</span>
            ${
              file.expiredTime === null
                ? html`<a href="/admin/files/${file.id}/download" aria-label="Download ${file.name}"
                  >Download</a
                >`
                : html`<span class="muted">Expired</span>`
            }
          </li>`,
      )}
    </ul>
    ${
      hasMore &&
      html`<p class="muted">
        Only the first ${FILES_PER_JOB} files are listed here; the API and the downloader list all.
      </p>`
    }`;
}
