/**
 * @module
 * The words the "Download data" pages use for what the API spells as enums: data types,
 * formats, media qualities, job and export states, abort reasons; and how they show times,
 * time ranges, sizes and progress. Every map is keyed by its enum, so the compiler tells when
 * a new value needs its words. Notices after a form are a fixed map too: a page never echoes
 * text from its URL.
 */
import type {
  AbortReason,
  DataType,
  DyiFormat,
  DyiJob,
  ExportJob,
  JobState,
  MemberScope,
  MediaQuality,
  UnixSeconds,
} from '../../domain/index.js';
import type { ExportStatus } from '../../services/export-service.js';
import { type Html, html } from './html.js';

export const DATA_TYPE_LABELS: Readonly<Record<DataType, string>> = {
  WORKPLACE_COMPANY_METADATA_GROUPS: 'Groups',
  WORKPLACE_COMPANY_METADATA_USER_PROFILE: 'Member profiles',
  WORKPLACE_COMPANY_METADATA_COMPANY_INFO: 'Company details',
  WORKPLACE_KNOWLEDGE_LIBRARY: 'Knowledge library',
  WORKPLACE_SURVEYS: 'Surveys',
  POSTS_YOUR_ACTIVITY: 'Posts',
  COMMENTS_REACTIONS_YOUR_ACTIVITY: 'Comments and reactions',
  MESSENGER_V2: 'Chats',
  GROUPS_YOUR_ACTIVITY: 'Group activity',
  EVENTS_YOUR_ACTIVITY: 'Events',
  POLLS_YOUR_ACTIVITY: 'Polls',
  WORKPLACE_NOTES: 'Notes',
  SAVED_ITEMS_YOUR_ACTIVITY: 'Saved items',
  REPORTED_PROBLEMS_YOUR_ACTIVITY: 'Reported problems',
  PROFILE_PERSONAL_INFO: 'Profile details',
  FRIENDS_V2: 'Connections',
  SEARCH_LOGGED_INFO: 'Searches',
  SECURITY_AND_LOGIN_INFORMATION_V: 'Security and login details',
};

export const FORMAT_LABELS: Readonly<Record<DyiFormat, string>> = {
  JSON: 'JSON',
  HTML: 'HTML',
  HTML_AND_JSON: 'HTML and JSON',
  CSV: 'CSV',
  NONE: 'None (media only)',
};

export const MEDIA_QUALITY_LABELS: Readonly<Record<MediaQuality, string>> = {
  VERY_LOW: 'Very low',
  LOW: 'Low',
  MEDIUM: 'Medium',
  HIGH: 'High',
  VERY_HIGH: 'Very high (original size)',
};

export const JOB_STATE_LABELS: Readonly<Record<JobState, string>> = {
  PENDING: 'Waiting',
  IN_PROGRESS: 'In progress',
  COMPLETED: 'Completed',
  ABORTED: 'Aborted',
  FAILED: 'Failed',
};

export const ABORT_REASON_LABELS: Readonly<Record<AbortReason, string>> = {
  CANCELLED_BY_USER: 'Cancelled by an admin',
  TARGET_NOT_VISIBLE: 'Member was deleted or is gone',
  ARCHIVE_TOO_BIG: 'Archive too big',
};

/** Why a job ended without (all) its files, in words; null while it has not. */
export function jobOutcomeWords(job: DyiJob): string | null {
  if (job.state === 'ABORTED' && job.abortReason !== null) {
    const words = ABORT_REASON_LABELS[job.abortReason];
    return job.abortReason === 'ARCHIVE_TOO_BIG' && job.stateMessage
      ? `${words}: ${job.stateMessage}`
      : words;
  }
  if (job.state === 'FAILED') return job.stateMessage ?? 'The job failed; see the server log.';
  return null;
}

/** An export's state in words, and the `state-*` class that colours it. */
export function exportStateOf(status: ExportStatus): { words: string; className: string } {
  const { counts } = status;
  if (!status.isCompleted) {
    const started = counts.total - counts.pending > 0;
    return started
      ? { words: 'In progress', className: 'state-IN_PROGRESS' }
      : { words: 'Waiting to start', className: 'state-PENDING' };
  }
  if (status.isExpired) return { words: 'Expired', className: 'state-EXPIRED' };
  if (status.export.cancelRequested) return { words: 'Cancelled', className: 'state-ABORTED' };
  if (counts.failed > 0 && counts.aborted > 0) {
    return { words: 'Completed with failed and aborted jobs', className: 'state-FAILED' };
  }
  if (counts.failed > 0) return { words: 'Completed with failed jobs', className: 'state-FAILED' };
  if (counts.aborted > 0) {
    return { words: 'Completed with aborted jobs', className: 'state-ABORTED' };
  }
  return { words: 'Completed', className: 'state-COMPLETED' };
}

/**
 * The data attributes by which `web/panel.js` tells, after a live update, that an export has
 * just ended, and what to announce then in the page's status region (`exportAnnouncer`):
 * "Export Q1 legal hold completed.", "… failed: 2 of 5 jobs failed.", "… was cancelled.".
 * `data-export-ended` is empty while the export runs.
 */
export function exportEndAttributes(status: ExportStatus): Html {
  const { export: exportJob, counts } = status;
  const label = `Export ${exportLabel(exportJob)}`;
  let words = '';
  if (status.isCompleted) {
    if (exportJob.cancelRequested) words = `${label} was cancelled.`;
    else if (counts.failed > 0) {
      words = `${label} failed: ${counts.failed} of ${counts.total} jobs failed.`;
    } else if (counts.aborted > 0) {
      words = `${label} completed, with ${counts.aborted} of ${counts.total} jobs aborted.`;
    } else words = `${label} completed.`;
  }
  return html`data-export-id="${exportJob.id}" data-export-ended="${words}"`;
}

/**
 * The polite status region the live updates announce an export's end in; empty on load, so
 * nothing is read out then. Outside every live part, so that re-rendering them keeps it.
 */
export function exportAnnouncer(): Html {
  return html`<div
    class="visually-hidden"
    role="status"
    aria-live="polite"
    aria-atomic="true"
    id="export-announcer"
    data-export-announcer
  ></div>`;
}

/** Whole percent done, rounded down so that 100 % means done. */
export function percentOf(progress: number): number {
  return Math.floor(Math.min(1, Math.max(0, progress)) * 100);
}

/**
 * An export's progress as the admin should read it. While it runs, and once every job has
 * completed, a bar; once it ended with jobs that did not complete (cancelled, aborted, failed),
 * what happened instead: "8 of 50 completed, 42 aborted", with a bar of the completed share.
 * A full bar would say that everything was done, which is not true then.
 */
export function exportProgress(label: string, status: ExportStatus): Html {
  const { counts } = status;
  const unfinished = counts.aborted + counts.failed;
  if (!status.isCompleted || unfinished === 0) return progressBar(label, status.progress);
  const outcome = [
    `${counts.completed} of ${counts.total} completed`,
    ...(counts.aborted > 0 ? [`${counts.aborted} aborted`] : []),
    ...(counts.failed > 0 ? [`${counts.failed} failed`] : []),
  ].join(', ');
  const percent = percentOf(counts.completed / counts.total);
  return html`<progress max="100" value="${percent}" aria-label="${label}: ${outcome}"></progress>
    <span class="outcome" aria-hidden="true">${outcome}</span>`;
}

/** A labelled progress bar: "<label>: 40 %". */
export function progressBar(label: string, progress: number): Html {
  const percent = percentOf(progress);
  return html`<progress max="100" value="${percent}" aria-label="${label}: ${percent} %"></progress>
    <span class="percent" aria-hidden="true">${percent} %</span>`;
}

/** `2026-11-29T12:00:00Z` */
export function isoTime(time: UnixSeconds): string {
  return new Date(time * 1000).toISOString().replace('.000Z', 'Z');
}

/** A time for people, in UTC, with its exact value for machines. */
export function timeElement(time: UnixSeconds): Html {
  const iso = isoTime(time);
  // Day and time each stay whole when a narrow column wraps the pair.
  const text = html`<span>${iso.slice(0, 10)}</span> <span>${iso.slice(11, 16)} UTC</span>`;
  return html`<time datetime="${iso}">${text}</time>`;
}

const DAY_SECONDS = 86_400;

/**
 * The range [start, end) as the export form asks for it: both days included when the range
 * falls on whole days (UTC), else the exact times.
 */
export function timeRange(start: UnixSeconds, end: UnixSeconds): Html {
  const wholeDays = start % DAY_SECONDS === 0 && end % DAY_SECONDS === 0;
  const from = start === 0 ? 'Beginning' : wholeDays ? dayElement(start) : timeElement(start);
  const until = wholeDays ? dayElement(end - DAY_SECONDS) : timeElement(end);
  const exact = `From ${isoTime(start)} up to ${isoTime(end)}, not included`;
  return html`<span title="${exact}">${from} to ${until}</span>`;
}

/** The day (UTC) a time falls on. */
function dayElement(time: UnixSeconds): Html {
  const day = isoTime(time).slice(0, 10);
  return html`<time class="day" datetime="${day}">${day}</time>`;
}

/** Data types in a few words: all, a few by name, or some and a count. */
export function dataTypesInShort(types: readonly DataType[], allCount: number): string {
  if (types.length === allCount) return 'All data types';
  const labels = types.map((type) => DATA_TYPE_LABELS[type]);
  if (labels.length <= 3) return labels.join(', ');
  return `${labels.slice(0, 2).join(', ')} and ${labels.length - 2} more`;
}

const UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/** Bytes in human units (1 KB = 1024 bytes), e.g. "12.3 MB". */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit: string = UNITS[0];
  for (const each of UNITS) {
    value /= 1024;
    unit = each;
    if (value < 1024) break;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/** Notices the export pages show once after a form (see `one-time-notices.ts`). */
export const EXPORT_NOTICES = {
  started:
    'The export was started. Its jobs run in the background; this page shows their progress as they go.',
  cancelled:
    'The export was cancelled. Jobs that had not finished were aborted; finished jobs keep their files.',
  'nothing-to-cancel': 'The export had already finished, so there was nothing to cancel.',
  deleted: 'The export was deleted, with its jobs and all their files.',
  extended: 'The export’s files are kept until the new date.',
  expired: 'The export’s files were deleted. It stays listed, as expired, with its parameters.',
} as const;

export type ExportNoticeKey = keyof typeof EXPORT_NOTICES;

const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');

/**
 * What people call an export: its name, or without one "Export of 12 Mar 2026" (the day it
 * was created, UTC). The id goes beside it, smaller (see `exportTitle`).
 */
export function exportLabel(exportJob: Pick<ExportJob, 'name' | 'createTime'>): string {
  if (exportJob.name !== null) return exportJob.name;
  const day = new Date(exportJob.createTime * 1000);
  return `Export of ${day.getUTCDate()} ${MONTHS[day.getUTCMonth()] ?? ''} ${day.getUTCFullYear()}`;
}

/** The export's label, then its id smaller: a page's heading, a list's first cell. */
export function exportTitle(exportJob: ExportJob): Html {
  const nameClass = exportJob.name === null ? 'export-name unnamed' : 'export-name';
  return html`<span class="${nameClass}">${exportLabel(exportJob)}</span>
    <small class="export-id">Export ${exportJob.id}</small>`;
}

/** Members named in the member scope before "and N more". */
export const MEMBERS_NAMED = 10;

/**
 * Whose data an export holds: "All members" (every member active when it started), or
 * "2 chosen members: Zoë Ng, Ali Ray", naming at most MEMBERS_NAMED and then "and 40 more".
 * `named` are the first of its members, in job order; `count` all of them. An export made
 * before the scope was kept (null) says "2 members: …".
 */
export function memberScopeWords(
  scope: MemberScope | null,
  count: number,
  named: readonly string[],
): string {
  if (scope === 'all') return 'All members';
  const noun = count === 1 ? 'member' : 'members';
  const head = scope === 'chosen' ? `${count} chosen ${noun}` : `${count} ${noun}`;
  if (count === 0) return head;
  const shown = named.slice(0, MEMBERS_NAMED);
  const more = count - shown.length;
  return `${head}: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
