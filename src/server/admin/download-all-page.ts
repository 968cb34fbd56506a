/**
 * @module
 * "Download all" of one export, the panel's answer to Google Takeout's button:
 * `GET /admin/exports/:id/download-all` shows how many files the export has and their bytes,
 * the exact `dyi download` command for it, links to lists of signed URLs for `curl -K`,
 * `wget -i` and `aria2c -i` (`/admin/exports/:id/download-all/<tool>.txt`, made by
 * `download-lists.ts`), and every file with its member, size and SHA-256, 500 a page. Only
 * files of completed jobs count: a running job's parts may still be replaced by a rerun.
 *
 * The lists need the admin's session like every panel page; the URLs in them need none (each
 * carries its own signature, the Graph API's `download_url`), which is what lets a tool fetch
 * them, and why a list is a secret until its URLs expire.
 */
import type { FastifyInstance } from 'fastify';
import type { ExportJob, Id, Member } from '../../domain/index.js';
import { ExportExpiredError, NotFoundError } from '../../domain/index.js';
import type { ExportFileRecord } from '../../ports/metadata-store.js';
import type { Page } from '../../ports/paging.js';
import type { Runtime } from '../../runtime.js';
import type { ExportStatus } from '../../services/export-service.js';
import { sendPage } from './admin-layout.js';
import { sessionOf } from './admin-session.js';
import { cardTable } from './card-table.js';
import {
  type DownloadEntry,
  LIST_FORMATS,
  type ListFormat,
  relativePathsOf,
  renderList,
} from './download-lists.js';
import { exportOfPath } from './export-detail-page.js';
import { exportLabel, exportStateOf, humanSize } from './export-labels.js';
import { copyButton } from './copy-button.js';
import { type Html, html } from './html.js';
import { pageRequestOf, renderPager } from './keyset-pager.js';

/** Files listed per page; the totals and the lists count them all. */
const FILES_PER_PAGE = 500;
/** Files read (and signed) at a time while a list is made. */
const LIST_BATCH = 1000;

export function registerDownloadAll(panel: FastifyInstance, runtime: Runtime): void {
  panel.get('/exports/:id/download-all', async (request, reply) => {
    const session = sessionOf(request);
    const communityId = session.community.id;
    const exportJob = await exportOfPath(runtime, communityId, request.params);
    refuseExpired(exportJob);
    const pageRequest = pageRequestOf(request.query, FILES_PER_PAGE);
    const [status, totals, page] = await Promise.all([
      runtime.exports.status(exportJob),
      runtime.jobs.exportFileTotals(exportJob.id),
      runtime.jobs.listExportFiles(exportJob.id, pageRequest),
    ]);
    const members = await membersOf(runtime, communityId, page.items);
    return sendPage(reply, {
      title: `Download all of ${exportLabel(exportJob)} (export ${exportJob.id})`,
      session,
      section: 'exports',
      body: html`<p class="breadcrumb">
          <a href="${exportPath(exportJob.id)}">${exportLabel(exportJob)}</a>
        </p>
        <h1 class="export-title">
          <span class="export-name">Download all of ${exportLabel(exportJob)}</span>
          <small class="export-id">Export ${exportJob.id}</small>
        </h1>
        ${summary(status, totals)}
        <h2>With the dyi downloader</h2>
        ${downloaderCommand(runtime, exportJob, status)}
        <h2>With curl, wget or aria2c</h2>
        ${toolLists(runtime, exportJob.id)}
        <h2 id="files-heading">Files</h2>
        ${fileTable(page, members, exportJob.id)}`,
    });
  });

  panel.get('/exports/:id/download-all/:list', async (request, reply) => {
    const session = sessionOf(request);
    const { list } = request.params as { list: string };
    const format = LIST_FORMATS.find((each) => list === `${each}.txt`);
    if (format === undefined) throw new NotFoundError(list);
    const exportJob = await exportOfPath(runtime, session.community.id, request.params);
    refuseExpired(exportJob);
    const status = await runtime.exports.status(exportJob);
    const fileName = listFileName(exportJob.id, format);
    const { entries, expiresTime } = await signedEntries(runtime, exportJob.id);
    const text = renderList(
      format,
      { exportId: exportJob.id, fileName, expiresTime, isPartial: !status.isCompleted },
      entries,
    );
    return reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .header('cache-control', 'no-store')
      .send(text);
  });
}

function exportPath(id: Id): string {
  return `/admin/exports/${id}`;
}

function downloadAllPath(id: Id): string {
  return `${exportPath(id)}/download-all`;
}

function listFileName(exportId: Id, format: ListFormat): string {
  return `export-${exportId}-${format}.txt`;
}

/** Every file of the export with its signed URL and path; when the first URL expires. */
/** An expired export has no files to hand over: its pages and lists answer 410. */
function refuseExpired(exportJob: ExportJob): void {
  if (exportJob.expiryState !== null) {
    throw new ExportExpiredError(`Export ${exportJob.id}`, exportJob.expiredTime ?? 0);
  }
}

async function signedEntries(
  runtime: Runtime,
  exportId: Id,
): Promise<{ entries: DownloadEntry[]; expiresTime: number | undefined }> {
  const files: ExportFileRecord[] = [];
  let page: Page<ExportFileRecord> | undefined;
  do {
    const after = page?.items.at(-1)?.id;
    page = await runtime.jobs.listExportFiles(exportId, { limit: LIST_BATCH, after });
    files.push(...page.items);
  } while (page.hasNext);
  const signed = await Promise.all(files.map(async (file) => runtime.downloadLinks.sign(file)));
  const paths = relativePathsOf(exportId, files);
  const entries = files.map((file, index) => ({
    url: signed[index]?.url ?? '',
    path: paths[index] ?? '',
    sha256: file.sha256,
  }));
  // A loop, not Math.min(...all): an export may have more files than a call takes arguments.
  const expiresTime = signed.reduce<number | undefined>(
    (first, each) => (first === undefined ? each.expiresTime : Math.min(first, each.expiresTime)),
    undefined,
  );
  return { entries, expiresTime };
}

async function membersOf(
  runtime: Runtime,
  communityId: Id,
  files: readonly ExportFileRecord[],
): Promise<ReadonlyMap<Id, Member>> {
  const ids = [...new Set(files.flatMap((file) => (file.userId === null ? [] : [file.userId])))];
  const members = await runtime.metadata.members.getMany(communityId, ids);
  return new Map(members.map((member) => [member.id, member]));
}

/** "2,345,678 bytes": the exact count, grouped for reading. */
function exactBytes(bytes: number): string {
  return `${bytes.toLocaleString('en-US')} ${bytes === 1 ? 'byte' : 'bytes'}`;
}

function summary(status: ExportStatus, totals: { files: number; bytes: number }): Html {
  const { counts } = status;
  const state = exportStateOf(status);
  return html`<p><span class="state ${state.className}">${state.words}</span></p>
    ${
      !status.isCompleted &&
      html`<p class="warning" role="status" id="still-running">
        This export is still running: ${counts.completed} of ${counts.total} jobs have completed.
        Everything below holds only the files of the jobs completed so far; come back when it
        has finished for the rest.
      </p>`
    }
    <dl class="facts">
      <div>
        <dt>Files</dt>
        <dd id="file-count">${totals.files.toLocaleString('en-US')}</dd>
      </div>
      <div>
        <dt>Total size</dt>
        <dd id="total-size">
          ${humanSize(totals.bytes)} <small class="muted">(${exactBytes(totals.bytes)})</small>
        </dd>
      </div>
      <div>
        <dt>Jobs with files to download</dt>
        <dd>${counts.completed} of ${counts.total} completed</dd>
      </div>
    </dl>`;
}

/** A word safe in a POSIX shell as it is, or quoted. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

function downloaderCommand(runtime: Runtime, exportJob: ExportJob, status: ExportStatus): Html {
  const words = [
    'dyi download',
    `--base-url ${shellWord(runtime.config.publicUrl)}`,
    `--export ${exportJob.id}`,
    `--out ${shellWord(`dyi-export-${exportJob.id}`)}`,
    ...(status.isCompleted ? [] : ['--include-incomplete']),
  ];
  return html`<p>
      The surest way: it fetches every file, resumes after a break, retries, and checks each
      file's SHA-256. It reads the access token from <code>DYI_TOKEN</code>: first set it to a
      token with <code>read_company_data_exports</code> (create one under
      <a href="/admin/integrations">Integrations</a>).
    </p>
    <pre class="command"><code id="dyi-command">${words.join(' ')}</code></pre>
    <p class="actions">${copyButton('dyi-command', 'Copy command')}</p>
    ${
      !status.isCompleted &&
      html`<p class="muted">
        <code>--include-incomplete</code> fetches the files of the jobs completed so far; run the
        command again once the export has finished for the rest.
      </p>`
    }`;
}

/** Lifetime in words: "1 hour", "15 minutes", "90 seconds". */
function lifetimeWords(seconds: number): string {
  const unit = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  if (seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return unit(seconds / 60, 'minute');
  return unit(seconds, 'second');
}

function toolLists(runtime: Runtime, exportId: Id): Html {
  const path = downloadAllPath(exportId);
  const link = (format: ListFormat, words: string) =>
    html`<a href="${path}/${format}.txt" download="${listFileName(exportId, format)}">${words}</a>`;
  const lifetime = lifetimeWords(runtime.config.downloadUrlTtlSeconds);
  return html`<p class="warning" id="lists-secret">
      Each list holds a signed URL for every file. The URLs work without signing in for
      ${lifetime} after the list is fetched (<code>DYI_DOWNLOAD_URL_TTL_SECONDS</code>), so keep
      a list secret until then, and fetch a fresh one once it has expired.
    </p>
    <ul class="tool-lists">
      <li>
        ${link('curl', 'List for curl')}, then <code>curl -K ${listFileName(exportId, 'curl')}</code>
        <br /><span class="muted"
          >Saves each file as <code>${exportId}/company/…</code> or
          <code>${exportId}/user-&lt;member id&gt;/…</code>, the folders <code>dyi download</code> uses.</span
        >
      </li>
      <li>
        ${link('wget', 'List for wget')}, then
        <code>wget --content-disposition -i ${listFileName(exportId, 'wget')}</code>
        <br /><span class="muted"
          >All files in one folder, under their own names (no two are alike in an export);
          <code>--content-disposition</code> keeps those names, without it wget names each file
          after its URL.</span
        >
      </li>
      <li>
        ${link('aria2c', 'List for aria2c')}, then
        <code>aria2c -i ${listFileName(exportId, 'aria2c')}</code>
        <br /><span class="muted"
          >The same folders as curl; aria2c checks each file's SHA-256.</span
        >
      </li>
    </ul>`;
}

function fileTable(
  page: Page<ExportFileRecord>,
  members: ReadonlyMap<Id, Member>,
  exportId: Id,
): Html {
  if (page.items.length === 0) {
    return html`<p id="no-files">
      No files yet: files appear here as the export's jobs complete.
    </p>`;
  }
  const rows = page.items.map(
    (file) => html`<tr>
      <td data-label="File"><span class="file-name">${file.name}</span></td>
      <td data-label="Member">${ownerCell(file, members)}</td>
      <td data-label="Size" class="nowrap">
        ${humanSize(file.size)}<br /><small class="muted">${exactBytes(file.size)}</small>
      </td>
      <td data-label="SHA-256"><code class="sha256">${file.sha256}</code></td>
      <td data-label="Download">
        <a href="/admin/files/${file.id}/download" aria-label="Download ${file.name}">Download</a>
      </td>
    </tr>`,
  );
  return html`${cardTable({ columns: ['File', 'Member', 'Size', 'SHA-256', 'Download'], rows, labelledBy: 'files-heading', id: 'files' })}
    ${renderPager(page, {
      label: 'Pages of files',
      path: downloadAllPath(exportId),
      params: {},
      previous: 'Previous files',
      next: 'Next files',
    })}`;
}

function ownerCell(file: ExportFileRecord, members: ReadonlyMap<Id, Member>): Html {
  if (file.userId === null) return html`<span class="muted">Company</span>`;
  const member = members.get(file.userId);
  return html`<span class="member-name">${member?.name ?? 'Unknown member'}</span>
    <small class="muted">${file.userId}</small>`;
}
