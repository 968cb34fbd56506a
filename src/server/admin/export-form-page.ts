/**
 * @module
 * Starting an export from the panel: `GET /admin/exports/new` shows the form, `POST
 * /admin/exports` creates the export through the same service (and so the same validation) as
 * the Graph API, and `GET /admin/members.json` feeds the form's member finder. The form speaks
 * in days, both included, where the API speaks in [start_time, end_time) in Unix seconds; it
 * carries a random idempotency key made when it is shown, so sending it twice starts one
 * export. A refused form comes back with every choice kept and what was wrong above it; an
 * export of user data for "All members" of a community with no active member waits for the
 * admin to confirm it (it would have no member job).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  COMPANY_DATA_TYPES,
  ConflictError,
  type Member,
  ValidationError,
} from '../../domain/index.js';
import { parseExportName } from '../../services/export-input.js';
import type { Runtime } from '../../runtime.js';
import { type PanelSession, sendPage } from './admin-layout.js';
import { formField, formValues, sessionOf } from './admin-session.js';
import { DATA_TYPES_FIELD, type ExportForm, renderForm } from './export-form-view.js';
import type { FormError } from './form-errors.js';
import { queryText } from './keyset-pager.js';
import { redirectWithNotice } from './one-time-notices.js';
import { adminAuditContext } from '../audit-context.js';

/** Most members the finder lists for one search. */
const MEMBER_SEARCH_LIMIT = 20;
/** Longest search text, in characters; longer is cut. */
const MEMBER_SEARCH_MAX_LENGTH = 100;
const DAY_SECONDS = 86_400;

function newIdempotencyKey(): string {
  return `panel-${randomBytes(18).toString('base64url')}`;
}

/** The form field each parameter the service may refuse is chosen with. */
const SERVICE_FIELDS: Readonly<Record<string, string>> = {
  name: 'export-name',
  reason: 'export-reason',
  retention_days: 'retention-days',
  data_types: DATA_TYPES_FIELD,
  dyi_format: 'dyi-format',
  media_quality: 'media-quality',
  keep_original_media: 'keep-original-media',
  withhold_others_media: 'withhold-others-media',
  start_time: 'from',
  end_time: 'until',
  user_ids: 'members-chosen',
};

const EMPTY_FORM: Omit<ExportForm, 'idempotencyKey' | 'retention'> = {
  name: '',
  reason: '',
  retentionDays: '',
  dataTypes: [],
  format: 'JSON',
  quality: 'HIGH',
  keepOriginalMedia: false,
  withholdOthersMedia: false,
  from: '',
  until: '',
  members: 'all',
  picked: [],
  memberIdsText: '',
  errors: [],
};

export function registerExportForm(panel: FastifyInstance, runtime: Runtime): void {
  panel.get('/exports/new', (request, reply) =>
    sendForm(reply, sessionOf(request), {
      ...EMPTY_FORM,
      retention: retentionOf(runtime),
      idempotencyKey: newIdempotencyKey(),
    }),
  );

  panel.post('/exports', async (request, reply) => {
    const session = sessionOf(request);
    const { form, pickedIds, found } = await formOf(request, runtime, session.community.id);
    const errors: FormError[] = [];
    if (form.dataTypes.length === 0) {
      errors.push({
        fieldId: DATA_TYPES_FIELD,
        message: 'Choose at least one data type, under “Company data” or “User data”.',
      });
    }
    checkName(form.name, errors);
    const range = timeRangeOf(form, Math.floor(runtime.clock.now() / 1000), errors);
    if (form.keepOriginalMedia && form.quality !== 'VERY_HIGH') {
      errors.push({
        fieldId: 'keep-original-media',
        message:
          '“Keep original files” needs Media quality “Very high”: the other qualities resize images and always remove their camera details and GPS position. Choose Very high, or untick Keep original files.',
      });
    }
    checkMembers(form.members, pickedIds, found, errors);
    if (errors.length > 0) return sendForm(reply, session, { ...form, errors }, 400);
    const isConfirmed = formField(request, 'confirm_no_members') === 'yes';
    if (!isConfirmed && (await hasNoMemberJobs(runtime, session.community.id, form))) {
      return sendForm(reply, session, { ...form, isNoMembersWarning: true }, 200);
    }
    try {
      const { admin } = session;
      const createdBy = { type: 'admin', id: admin.id, name: admin.email, tokenId: null } as const;
      const created = await runtime.exports.create(
        session.community.id,
        {
          name: form.name,
          reason: form.reason,
          retention_days: form.retentionDays,
          data_types: form.dataTypes,
          dyi_format: form.format,
          media_quality: form.quality,
          keep_original_media: form.keepOriginalMedia,
          withhold_others_media: form.withholdOthersMedia,
          start_time: range.start,
          end_time: range.end,
          user_ids: form.members === 'chosen' ? pickedIds : undefined,
          idempotency_key: form.idempotencyKey,
        },
        adminAuditContext(request, session.admin),
        createdBy,
      );
      return await redirectWithNotice(reply, runtime, `/admin/exports/${created.id}`, 'started');
    } catch (error) {
      if (error instanceof ValidationError) {
        const refused = { fieldId: SERVICE_FIELDS[error.parameter], message: error.message };
        return sendForm(reply, session, { ...form, errors: [refused] }, 400);
      }
      if (error instanceof ConflictError) {
        const message =
          'This form was sent before with other choices, and that started an export (see the list of exports). Send it again to start another export with these choices.';
        return sendForm(
          reply,
          session,
          { ...form, idempotencyKey: newIdempotencyKey(), errors: [{ message }] },
          409,
        );
      }
      throw error;
    }
  });

  panel.get('/members.json', async (request, reply) => {
    const session = sessionOf(request);
    const text = (queryText(request.query, 'q') ?? '').trim().slice(0, MEMBER_SEARCH_MAX_LENGTH);
    const { members } = runtime.metadata;
    const communityId = session.community.id;
    // The count reads the community's search keys once more: exact, and cheap beside the
    // search itself (one index of short keys, 100,000 of them in milliseconds).
    const [found, total] =
      text === ''
        ? [[], 0]
        : await Promise.all([
            members.search(communityId, text, MEMBER_SEARCH_LIMIT),
            members.countSearch(communityId, text),
          ]);
    return reply.type('application/json; charset=utf-8').send({
      members: found.map(({ id, name, status }) => ({ id, name, status })),
      total,
    });
  });
}

/** The form as sent, with the members it names (by the finder's boxes or typed ids). */
async function formOf(
  request: FastifyRequest,
  runtime: Runtime,
  communityId: string,
): Promise<{ form: ExportForm; pickedIds: string[]; found: readonly Member[] }> {
  const field = (name: string): string => formField(request, name) ?? '';
  const tickedIds = nonEmptyValues(request, 'user_ids');
  const memberIdsText = field('member_ids');
  const pickedIds = [...new Set([...tickedIds, ...splitIds(memberIdsText)])];
  const numericIds = pickedIds.filter((id) => /^\d{1,16}$/.test(id));
  const found = await runtime.metadata.members.getMany(communityId, numericIds);
  const form: ExportForm = {
    name: field('name'),
    reason: field('reason'),
    retentionDays: field('retention_days').trim(),
    retention: retentionOf(runtime),
    dataTypes: nonEmptyValues(request, 'data_types'),
    format: field('dyi_format'),
    quality: field('media_quality'),
    keepOriginalMedia: field('keep_original_media') === 'true',
    withholdOthersMedia: field('withhold_others_media') === 'true',
    from: field('from'),
    until: field('until'),
    members: field('members') === 'chosen' ? 'chosen' : 'all',
    picked: found.filter((member) => tickedIds.includes(member.id)),
    memberIdsText,
    idempotencyKey: field('idempotency_key') || newIdempotencyKey(),
    errors: [],
  };
  return { form, pickedIds, found };
}

/** The export's name, checked by the same rules as the service's, worded for the form. */
function checkName(name: string, errors: FormError[]): void {
  try {
    parseExportName(name);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    errors.push({
      fieldId: 'export-name',
      message: `“Name”: ${error.message.replace(/^name /, '')}`,
    });
  }
}

/**
 * Whether the export would have user data types and no member job: "All members" in a
 * community with no active member. (Chosen members are checked to exist; each gets a job.)
 */
async function hasNoMemberJobs(
  runtime: Runtime,
  communityId: string,
  form: ExportForm,
): Promise<boolean> {
  if (form.members !== 'all') return false;
  const hasUserData = form.dataTypes.some(
    (type) => !(COMPANY_DATA_TYPES as readonly string[]).includes(type),
  );
  if (!hasUserData) return false;
  const counts = await runtime.metadata.members.countByStatus(communityId);
  return counts.active === 0;
}

function nonEmptyValues(request: FastifyRequest, name: string): string[] {
  return formValues(request, name).filter((value) => value !== '');
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
  errors: FormError[],
): { start: number | undefined; end: number | undefined } {
  const start = form.from === '' ? undefined : dayStart(form.from);
  const until = form.until === '' ? undefined : dayStart(form.until);
  if (form.from !== '' && start === undefined) {
    errors.push({ fieldId: 'from', message: '“From” must be a day such as 2026-01-31.' });
  }
  if (form.until !== '' && until === undefined) {
    errors.push({ fieldId: 'until', message: '“Until” must be a day such as 2026-01-31.' });
  }
  const end = until === undefined ? undefined : until + DAY_SECONDS;
  if (start !== undefined && until !== undefined && until < start) {
    errors.push({
      fieldId: 'until',
      message: '“Until” is before “From”: choose an Until on or after the From day.',
    });
  }
  if (start !== undefined && form.until === '' && start >= now) {
    errors.push({
      fieldId: 'from',
      message:
        '“From” is in the future, and an empty “Until” means now: choose an earlier From, or an Until.',
    });
  }
  return { start, end };
}

function checkMembers(
  members: 'all' | 'chosen',
  pickedIds: readonly string[],
  found: readonly Member[],
  errors: FormError[],
): void {
  if (members === 'all') {
    if (pickedIds.length > 0) {
      errors.push({
        fieldId: 'members-all',
        message:
          'Members are chosen, but “All members” is selected: select “Chosen members” to export only them, or untick them.',
      });
    }
    return;
  }
  if (pickedIds.length === 0) {
    errors.push({
      fieldId: 'members-chosen',
      message:
        '“Chosen members” is selected, but no member is chosen: find members by name and tick them, or select “All members”.',
    });
    return;
  }
  const notIds = pickedIds.filter((id) => !/^\d{1,16}$/.test(id));
  if (notIds.length > 0) {
    errors.push({
      fieldId: 'members-chosen',
      message: `Member ids are numbers; these are not: ${notIds.slice(0, 10).join(', ')}.`,
    });
  }
  const known = new Set(found.map((member) => member.id));
  const unknown = pickedIds.filter((id) => /^\d{1,16}$/.test(id) && !known.has(id));
  if (unknown.length > 0) {
    errors.push({
      fieldId: 'members-chosen',
      message: `These ids are not members of this community: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}.`,
    });
  }
}

/** The server's retention, which the form's "Keep files for" field states. */
function retentionOf(runtime: Runtime): ExportForm['retention'] {
  return {
    defaultDays: runtime.config.retentionDays,
    maxDays: runtime.config.retentionMaxDays,
  };
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
