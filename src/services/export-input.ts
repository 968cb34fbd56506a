/**
 * @module
 * Validation of the parameters an export is created with, as they arrive from a query string,
 * a form, a JSON body or the CLI: lists may be arrays, JSON arrays or comma lists; times may be
 * ISO 8601 or Unix seconds. Every problem names the parameter and what it allows.
 */
import {
  DATA_TYPES,
  DYI_FORMATS,
  type ExportParameters,
  type Id,
  MEDIA_QUALITIES,
  type MediaQuality,
  ValidationError,
} from '../domain/index.js';
import { parseDateInput } from '../graph/graph-date.js';

/** What a caller sends; every value is still unchecked. */
export interface RawExportInput {
  readonly data_types?: unknown;
  readonly dyi_format?: unknown;
  readonly media_quality?: unknown;
  readonly start_time?: unknown;
  readonly end_time?: unknown;
  readonly user_ids?: unknown;
  readonly idempotency_key?: unknown;
  readonly keep_original_media?: unknown;
  readonly withhold_others_media?: unknown;
  readonly name?: unknown;
  readonly retention_days?: unknown;
  readonly reason?: unknown;
}

export interface ExportRequest extends ExportParameters {
  /** The admin's name for the export, trimmed; null when none was given. */
  readonly name: string | null;
  /** Why it is made ("ticket LEGAL-123"), trimmed; null when none was given. */
  readonly reason: string | null;
  /** Days its files are kept after it ends; undefined: the server's default. */
  readonly retentionDays: number | undefined;
  /** Members to export; undefined means every active member. */
  readonly userIds: readonly Id[] | undefined;
  readonly idempotencyKey: string | null;
  /** end_time was not given and is "now": a retried request will differ in it. */
  readonly endTimeDefaulted: boolean;
}

const MAX_USER_IDS = 100_000;

/** Most characters an export's name may have, after trimming. */
export const EXPORT_NAME_MAX_LENGTH = 100;

/** Most characters an export's reason may have, after trimming. */
export const EXPORT_REASON_MAX_LENGTH = 200;

/**
 * Characters a name may not hold: control characters (line breaks, tabs, …), line and paragraph
 * separators, and the bidirectional overrides that could make a name read as something else.
 */
const NOT_IN_NAME = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** The most days an export may ask to be kept (`DYI_RETENTION_MAX_DAYS`). */
export function parseExportInput(
  input: RawExportInput,
  now: number,
  retentionMaxDays = Number.MAX_SAFE_INTEGER,
): ExportRequest {
  const dataTypes = parseEnumList('data_types', input.data_types, DATA_TYPES);
  if (dataTypes.length === 0) {
    throw new ValidationError(
      'data_types',
      `data_types must list at least one of: ${DATA_TYPES.join(', ')}.`,
    );
  }
  const dyiFormat = parseEnum('dyi_format', input.dyi_format, DYI_FORMATS, 'JSON');
  const mediaQuality = parseEnum('media_quality', input.media_quality, MEDIA_QUALITIES, 'HIGH');
  const startTime = isAbsent(input.start_time) ? 0 : parseDateInput(input.start_time, 'start_time');
  const endTime = isAbsent(input.end_time) ? now : parseDateInput(input.end_time, 'end_time');
  if (startTime >= endTime) {
    // An end_time nobody typed must be named as the default, or the message reads as a riddle.
    throw new ValidationError(
      'end_time',
      isAbsent(input.end_time)
        ? `end_time was not given, so it is now (${isoOf(now)}), which is not later than start_time (${isoOf(startTime)}): give an end_time later than start_time, or an earlier start_time; the export covers [start_time, end_time).`
        : 'end_time must be later than start_time: the export covers [start_time, end_time).',
    );
  }
  return {
    dataTypes: DATA_TYPES.filter((type) => dataTypes.includes(type)),
    dyiFormat,
    mediaQuality,
    startTime,
    endTime,
    keepOriginalMedia: parseKeepOriginalMedia(input.keep_original_media, mediaQuality),
    withholdOthersMedia: parseBoolean('withhold_others_media', input.withhold_others_media),
    name: parseExportName(input.name),
    reason: parseOneLine('reason', input.reason, EXPORT_REASON_MAX_LENGTH),
    retentionDays: parseRetentionDays(input.retention_days, retentionMaxDays),
    userIds: parseUserIds(input.user_ids),
    idempotencyKey: parseIdempotencyKey(input.idempotency_key),
    endTimeDefaulted: isAbsent(input.end_time),
  };
}

/**
 * `name`: optional words for people ("Q1 legal hold"), shown first wherever the export is.
 * Spaces around it are dropped; nothing left means no name.
 */
export function parseExportName(value: unknown): string | null {
  return parseOneLine('name', value, EXPORT_NAME_MAX_LENGTH);
}

/**
 * `reason`: optional words on why the export is made ("ticket LEGAL-123"), shown with its
 * parameters; the same rules as a name, with room for a little more.
 */
export function parseExportReason(value: unknown): string | null {
  return parseOneLine('reason', value, EXPORT_REASON_MAX_LENGTH);
}

/** Optional one-line text of at most `max` characters, trimmed; nothing left means none. */
function parseOneLine(parameter: string, value: unknown, max: number): string | null {
  if (value === undefined || value === null) return null;
  const allowed = `at most ${max} characters on one line (letters, digits, spaces and punctuation; no line breaks, tabs or other control characters)`;
  if (typeof value !== 'string') {
    throw new ValidationError(
      parameter,
      `${parameter} must be text of ${allowed}; got ${typeof value}.`,
    );
  }
  const text = value.trim();
  if (text === '') return null;
  const length = [...text].length;
  if (length > max) {
    throw new ValidationError(
      parameter,
      `${parameter} must be ${allowed}; got ${length} characters.`,
    );
  }
  const bad = NOT_IN_NAME.exec(text);
  if (bad) {
    const code = `U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    const at = [...text.slice(0, bad.index)].length + 1;
    throw new ValidationError(
      parameter,
      `${parameter} must be ${allowed}; character ${at} is a control character (${code}).`,
    );
  }
  return text;
}

/**
 * `retention_days`: how many days the export's files are kept after it ends, a whole number
 * from 1 to the server's maximum; absent: the server's default (`DYI_RETENTION_DAYS`).
 */
export function parseRetentionDays(value: unknown, maxDays: number): number | undefined {
  if (isAbsent(value)) return undefined;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\s*\d{1,6}\s*$/.test(text)) {
    throw new ValidationError(
      'retention_days',
      `retention_days must be a whole number of days from 1 to ${maxDays}; got ${JSON.stringify(value)}.`,
    );
  }
  const days = Number(text);
  if (days < 1 || days > maxDays) {
    throw new ValidationError(
      'retention_days',
      `retention_days must be from 1 to ${maxDays} days (DYI_RETENTION_MAX_DAYS); got ${days}.`,
    );
  }
  return days;
}

function isoOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** A list from an array, a JSON array text, or a comma-separated text. */
export function parseList(parameter: string, value: unknown): string[] {
  if (isAbsent(value)) return [];
  if (Array.isArray(value)) return value.flatMap((item) => parseList(parameter, item));
  if (typeof value === 'number') return [String(value)];
  if (typeof value !== 'string') {
    throw new ValidationError(
      parameter,
      `${parameter} must be a list: a JSON array or a comma-separated string.`,
    );
  }
  const text = value.trim();
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ValidationError(parameter, `${parameter} is not valid JSON: ${text.slice(0, 80)}`, {
        cause: error,
      });
    }
    return parseList(parameter, parsed);
  }
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseEnumList<T extends string>(
  parameter: string,
  value: unknown,
  allowed: readonly T[],
): T[] {
  const items = parseList(parameter, value);
  const wrong = items.filter((item) => !(allowed as readonly string[]).includes(item));
  if (wrong.length > 0) {
    throw new ValidationError(
      parameter,
      `${parameter} has unknown value${wrong.length > 1 ? 's' : ''} ${wrong.map((w) => `"${w}"`).join(', ')}; allowed: ${allowed.join(', ')}.`,
    );
  }
  return items as T[];
}

function parseEnum<T extends string>(
  parameter: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (isAbsent(value)) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ValidationError(
      parameter,
      `${parameter} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`,
    );
  }
  return value as T;
}

/** A yes/no parameter: `true`/`false` as a form or query sends them, `1`/`0`, or JSON booleans. */
function parseBoolean(parameter: string, value: unknown): boolean {
  if (isAbsent(value)) return false;
  if (value === true || value === 'true' || value === 1 || value === '1') return true;
  if (value === false || value === 'false' || value === 0 || value === '0') return false;
  throw new ValidationError(
    parameter,
    `${parameter} must be true or false (or 1 or 0); got ${JSON.stringify(value)}.`,
  );
}

/**
 * `keep_original_media`: original files carry their metadata (camera, time, GPS), so they are
 * shipped only when asked for, and only at the quality that keeps originals.
 */
function parseKeepOriginalMedia(value: unknown, mediaQuality: MediaQuality): boolean {
  const keep = parseBoolean('keep_original_media', value);
  if (keep && mediaQuality !== 'VERY_HIGH') {
    throw new ValidationError(
      'keep_original_media',
      `keep_original_media=true ships the original files with their metadata (EXIF, GPS), so it needs media_quality=VERY_HIGH; got media_quality=${mediaQuality}, which resizes images and always removes their metadata. Use media_quality=VERY_HIGH, or leave keep_original_media out.`,
    );
  }
  return keep;
}

function parseUserIds(value: unknown): Id[] | undefined {
  if (isAbsent(value)) return undefined;
  const ids = parseList('user_ids', value);
  const bad = ids.filter((id) => !/^\d{1,16}$/.test(id));
  if (bad.length > 0) {
    throw new ValidationError(
      'user_ids',
      `user_ids must be numeric member ids; not ids: ${bad
        .slice(0, 5)
        .map((b) => JSON.stringify(b))
        .join(', ')}.`,
    );
  }
  if (ids.length === 0) {
    throw new ValidationError('user_ids', 'user_ids, when given, must name at least one member.');
  }
  if (ids.length > MAX_USER_IDS) {
    throw new ValidationError('user_ids', `user_ids may name at most ${MAX_USER_IDS} members.`);
  }
  return [...new Set(ids)];
}

function parseIdempotencyKey(value: unknown): string | null {
  if (isAbsent(value)) return null;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(value)) {
    throw new ValidationError(
      'idempotency_key',
      'idempotency_key must be 1 to 128 printable ASCII characters without spaces.',
    );
  }
  return value;
}
