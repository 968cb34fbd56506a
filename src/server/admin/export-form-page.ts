/**
 * @module
 * Starting an export from the panel: `GET /admin/exports/new` shows the form, `POST
 * /admin/exports` creates the export through the same service (and so the same validation) as
 * the Graph API, and `GET /admin/members.json` feeds the form's member finder. The form speaks
 * in days, both included, where the API speaks in [start_time, end_time) in Unix seconds; it
 * carries a random idempotency key made when it is shown, so sending it twice starts one
 * export. A refused form comes back with every choice kept and what was wrong above it.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  COMPANY_DATA_TYPES,
  ConflictError,
  DATA_TYPES,
  type DataType,
  DYI_FORMATS,
  type Id,
  MEDIA_QUALITIES,
  type Member,
  ValidationError,
} from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { csrfField, type PanelSession, sendPage } from './admin-layout.js';
import { sessionOf } from './admin-session.js';
import { DATA_TYPE_LABELS, FORMAT_LABELS, MEDIA_QUALITY_LABELS } from './export-labels.js';
import { type Html, html } from './html.js';
import { queryText } from './keyset-pager.js';

/** Most members the finder lists for one search. */
const MEMBER_SEARCH_LIMIT = 20;
/** Longest search text, in characters; longer is cut. */
const MEMBER_SEARCH_MAX_LENGTH = 100;
const DAY_SECONDS = 86_400;

/** What the form shows: the admin's choices, as sent (or the defaults). */
interface ExportForm {
  readonly dataTypes: readonly string[];
  readonly format: string;
  readonly quality: string;
  readonly from: string;
  readonly until: string;
  readonly members: 'all' | 'chosen';
  /** Members ticked in the finder, with their names. */
  readonly picked: readonly Member[];
  /** The no-script fallback's text, as typed. */
  readonly memberIdsText: string;
  readonly idempotencyKey: string;
  readonly errors: readonly string[];
}

function newIdempotencyKey(): string {
  return `panel-${randomBytes(18).toString('base64url')}`;
}

const EMPTY_FORM: Omit<ExportForm, 'idempotencyKey'> = {
  dataTypes: [],
  format: 'JSON',
  quality: 'HIGH',
  from: '',
  until: '',
  members: 'all',
  picked: [],
  memberIdsText: '',
  errors: [],
};

export function registerExportForm(panel: FastifyInstance, runtime: Runtime): void {
  panel.get('/exports/new', (request, reply) =>
    sendForm(reply, sessionOf(request), { ...EMPTY_FORM, idempotencyKey: newIdempotencyKey() }),
  );

  panel.post('/exports', async (request, reply) => {
    const session = sessionOf(request);
    const communityId = session.community.id;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const field = (name: string): string => {
      const value = body[name];
      return typeof value === 'string' ? value : '';
    };
    const dataTypes = listField(body, 'data_types');
    const tickedIds = listField(body, 'user_ids');
    const memberIdsText = field('member_ids');
    const pickedIds = [...new Set([...tickedIds, ...splitIds(memberIdsText)])];
    const idempotencyKey = field('idempotency_key') || newIdempotencyKey();
    const members = field('members') === 'chosen' ? 'chosen' : 'all';
    const numericIds = pickedIds.filter((id) => /^\d{1,16}$/.test(id));
    const found = await runtime.metadata.members.getMany(communityId, numericIds);
    const form: ExportForm = {
      dataTypes,
      format: field('dyi_format'),
      quality: field('media_quality'),
      from: field('from'),
      until: field('until'),
      members,
      picked: found.filter((member) => tickedIds.includes(member.id)),
      memberIdsText,
      idempotencyKey,
      errors: [],
    };

    const errors: string[] = [];
    if (dataTypes.length === 0) {
      errors.push('Choose at least one data type, under “Company data” or “User data”.');
    }
    const range = timeRangeOf(form, Math.floor(runtime.clock.now() / 1000), errors);
    checkMembers(members, pickedIds, found, errors);
    if (errors.length > 0) return sendForm(reply, session, { ...form, errors }, 400);

    try {
      const created = await runtime.exports.create(communityId, {
        data_types: dataTypes,
        dyi_format: form.format,
        media_quality: form.quality,
        start_time: range.start,
        end_time: range.end,
        user_ids: members === 'chosen' ? pickedIds : undefined,
        idempotency_key: idempotencyKey,
      });
      return await reply.redirect(`/admin/exports/${created.id}?notice=started`, 303);
    } catch (error) {
      if (error instanceof ValidationError) {
        return sendForm(reply, session, { ...form, errors: [error.message] }, 400);
      }
      if (error instanceof ConflictError) {
        const message =
          'This form was sent before with other choices, and that started an export (see the list of exports). Send it again to start another export with these choices.';
        return sendForm(
          reply,
          session,
          { ...form, idempotencyKey: newIdempotencyKey(), errors: [message] },
          409,
        );
      }
      throw error;
    }
  });

  panel.get('/members.json', async (request, reply) => {
    const session = sessionOf(request);
    const text = (queryText(request.query, 'q') ?? '').trim().slice(0, MEMBER_SEARCH_MAX_LENGTH);
    const found =
      text === ''
        ? []
        : await runtime.metadata.members.search(session.community.id, text, MEMBER_SEARCH_LIMIT);
    return reply.type('application/json; charset=utf-8').send({
      members: found.map(({ id, name, status }) => ({ id, name, status })),
    });
  });
}

/** Every text value of a form field that may repeat (checkboxes). */
function listField(body: Record<string, unknown>, name: string): string[] {
  const value = body[name];
  const values = Array.isArray(value) ? value : [value];
  return values.filter((each): each is string => typeof each === 'string' && each !== '');
}

function splitIds(text: string): string[] {
  return text.split(/[\s,;]+/).filter((id) => id !== '');
}

/** Unix seconds of midnight UTC of a `YYYY-MM-DD` day; undefined when it is not a real day. */
function dayStart(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const time = Date.UTC(year, month - 1, day);
  const date = new Date(time);
  const isReal = date.getUTCMonth() === month - 1 && date.getUTCDate() === day && year >= 1970;
  return isReal ? time / 1000 : undefined;
}

/**
 * The API's [start_time, end_time) from the form's days, both included: From's midnight to the
 * midnight after Until. Empty From is the beginning, empty Until is now (left to the service,
 * so that sending the form again is the same request).
 */
function timeRangeOf(
  form: ExportForm,
  now: number,
  errors: string[],
): { start: number | undefined; end: number | undefined } {
  const start = form.from === '' ? undefined : dayStart(form.from);
  const until = form.until === '' ? undefined : dayStart(form.until);
  if (form.from !== '' && start === undefined) {
    errors.push('“From” must be a day such as 2026-01-31.');
  }
  if (form.until !== '' && until === undefined) {
    errors.push('“Until” must be a day such as 2026-01-31.');
  }
  const end = until === undefined ? undefined : until + DAY_SECONDS;
  if (start !== undefined && until !== undefined && until < start) {
    errors.push('“Until” is before “From”: choose an Until on or after the From day.');
  }
  if (start !== undefined && form.until === '' && start >= now) {
    errors.push(
      '“From” is in the future, and an empty “Until” means now: choose an earlier From, or an Until.',
    );
  }
  return { start, end };
}

function checkMembers(
  members: 'all' | 'chosen',
  pickedIds: readonly string[],
  found: readonly Member[],
  errors: string[],
): void {
  if (members === 'all') {
    if (pickedIds.length > 0) {
      errors.push(
        'Members are chosen, but “All members” is selected: select “Chosen members” to export only them, or untick them.',
      );
    }
    return;
  }
  if (pickedIds.length === 0) {
    errors.push(
      '“Chosen members” is selected, but no member is chosen: find members by name and tick them, or select “All members”.',
    );
    return;
  }
  const notIds = pickedIds.filter((id) => !/^\d{1,16}$/.test(id));
  if (notIds.length > 0) {
    errors.push(`Member ids are numbers; these are not: ${notIds.slice(0, 10).join(', ')}.`);
  }
  const known = new Set(found.map((member) => member.id));
  const unknown = pickedIds.filter((id) => /^\d{1,16}$/.test(id) && !known.has(id));
  if (unknown.length > 0) {
    errors.push(
      `These ids are not members of this community: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}.`,
    );
  }
}

function sendForm(
  reply: FastifyReply,
  session: PanelSession,
  form: ExportForm,
  status = 200,
): FastifyReply {
  return sendPage(
    reply,
    {
      title: 'Start an export',
      session,
      section: 'exports',
      body: renderForm(session, form),
    },
    status,
  );
}

function renderForm(session: PanelSession, form: ExportForm): Html {
  const hasErrors = form.errors.length > 0;
  return html`<h1>Start an export</h1>
    ${
      hasErrors &&
      html`<div class="error" role="alert" id="export-form-error">
        <p>The export was not started:</p>
        <ul>
          ${form.errors.map((error) => html`<li>${error}</li>`)}
        </ul>
      </div>`
    }
    <form
      method="post"
      action="/admin/exports"
      ${hasErrors ? html`aria-describedby="export-form-error"` : ''}
    >
      ${csrfField(session)}
      <input type="hidden" name="idempotency_key" value="${form.idempotencyKey}" />
      ${dataTypeFieldset(
        'Company data',
        'Exported once for the whole community, by the company job.',
        DATA_TYPES.filter((type) => COMPANY_DATA_TYPES.includes(type)),
        form,
      )}
      ${dataTypeFieldset(
        'User data',
        'Exported for each member, by one job per member.',
        DATA_TYPES.filter((type) => !COMPANY_DATA_TYPES.includes(type)),
        form,
      )}
      <fieldset>
        <legend>Files</legend>
        <div class="row">
          <div>
            <label for="dyi-format">Format</label>
            <select id="dyi-format" name="dyi_format">
              ${DYI_FORMATS.map((format) => option(format, FORMAT_LABELS[format], form.format))}
            </select>
          </div>
          <div>
            <label for="media-quality">Media quality</label>
            <select id="media-quality" name="media_quality">
              ${MEDIA_QUALITIES.map((quality) =>
                option(quality, MEDIA_QUALITY_LABELS[quality], form.quality),
              )}
            </select>
          </div>
        </div>
      </fieldset>
      <fieldset>
        <legend>Time range</legend>
        <p class="muted" id="time-range-hint">
          Both days are included, in UTC. Leave “From” empty to start at the beginning, and “Until”
          empty to end now.
        </p>
        <div class="row">
          <div>
            <label for="from">From</label>
            <input
              id="from"
              name="from"
              type="date"
              value="${form.from}"
              aria-describedby="time-range-hint"
            />
          </div>
          <div>
            <label for="until">Until</label>
            <input
              id="until"
              name="until"
              type="date"
              value="${form.until}"
              aria-describedby="time-range-hint"
            />
          </div>
        </div>
      </fieldset>
      ${membersFieldset(form)}
      <div class="actions">
        <button type="submit">Start export</button>
        <a href="/admin/exports">Back to the exports</a>
      </div>
    </form>`;
}

function option(value: string, label: string, chosen: string): Html {
  return html`<option value="${value}" ${value === chosen ? html`selected` : ''}>${label}</option>`;
}

function dataTypeFieldset(
  legend: string,
  hint: string,
  types: readonly DataType[],
  form: ExportForm,
): Html {
  return html`<fieldset>
    <legend>${legend}</legend>
    <p class="muted">${hint}</p>
    <button type="button" class="secondary" data-select-all data-needs-script hidden>
      Select all
    </button>
    <div class="columns">
      ${types.map((type) => dataTypeChoice(type, form.dataTypes.includes(type)))}
    </div>
  </fieldset>`;
}

/** A data type's checkbox, labelled in words, with its API name beside. */
function dataTypeChoice(type: DataType, isChecked: boolean): Html {
  const checked = isChecked ? html`checked` : '';
  return html`<div class="choice">
    <label
      ><input type="checkbox" name="data_types" value="${type}" ${checked} />
      ${DATA_TYPE_LABELS[type]}</label
    >
    <small class="muted">${type}</small>
  </div>`;
}

function membersFieldset(form: ExportForm): Html {
  return html`<fieldset>
    <legend>Members</legend>
    <label class="choice"
      ><input
        type="radio"
        name="members"
        value="all"
        ${form.members === 'all' ? html`checked` : ''}
      />
      All members</label
    >
    <label class="choice"
      ><input
        type="radio"
        name="members"
        value="chosen"
        ${form.members === 'chosen' ? html`checked` : ''}
      />
      Chosen members</label
    >
    <p class="muted">
      “All members” gives every active member a job. For “Chosen members”, find them by name and
      tick them.
    </p>
    <div class="stack" data-needs-script hidden>
      <label for="member-search">Find members by name</label>
      <input
        id="member-search"
        type="search"
        autocomplete="off"
        data-member-search="/admin/members.json"
      />
      <p class="muted" data-member-status role="status"></p>
      <ul class="member-results" data-member-results>
        ${form.picked.map(pickedMember)}
      </ul>
    </div>
    <noscript>
      <label for="member-ids">Member ids</label>
      <textarea id="member-ids" name="member_ids" rows="3" aria-describedby="member-ids-hint">
${form.memberIdsText}</textarea>
      <p class="muted" id="member-ids-hint">
        Ids of the chosen members, separated by commas or spaces.
      </p>
    </noscript>
  </fieldset>`;
}

/** A member ticked in the finder, as `web/panel.js` lists the ones it finds. */
function pickedMember(member: { readonly id: Id; readonly name: string; readonly status: string }) {
  return html`<li>
    <label
      ><input type="checkbox" name="user_ids" value="${member.id}" checked /> ${member.name}${
        member.status !== 'active' && html`<span class="muted"> (${member.status})</span>`
      }</label
    >
  </li>`;
}
