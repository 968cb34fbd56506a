/**
 * @module
 * `dyi import`: NDJSON files of community content into the ContentStore, as one transaction.
 *
 * The import runs in phases, and nothing is stored until every check has passed:
 * 1. read: each file is streamed line by line; each line is checked against its kind's schema
 *    (`content-schemas.ts`), and ids must be unique per kind across the whole import;
 * 2. check: every reference (a post's author, a comment's post, an attachment's media ...) must
 *    name a record of this import or one already stored, and every media `file` must exist;
 * 3. media: each media file is hashed and its bytes put in the BlobStore under
 *    `blobKeyForMedia` (a blob already there is kept, not written again);
 * 4. write: one `ContentStore.write` with every record, in file order.
 * Problems are collected, up to MAX_LISTED_PROBLEMS, and thrown as one ValidationError listing
 * them as `file:line: field: what is wrong`. A phase with problems ends the import, because the
 * next phase's findings would mostly echo them. If storing media or the write fails, the blobs
 * this import added are deleted again, so a failed import leaves nothing behind.
 *
 * The records are held in memory until the write, because the store takes them as one batch.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  type ContentKind,
  type ContentRecord,
  type Id,
  type MediaRecord,
  ValidationError,
} from '../domain/index.js';
import { blobKeyForMedia, type BlobStore } from '../ports/blob-store.js';
import type { ContentStore } from '../ports/content-store.js';
import {
  describeValue,
  type ImportLine,
  type MediaLine,
  parseContentLine,
} from './content-schemas.js';

/** Problems listed in one error; the import stops reading once it has found this many. */
export const MAX_LISTED_PROBLEMS = 20;

/** Ids per `ContentStore.existing` call. */
const EXISTING_BATCH = 500;

export interface ImportProgress {
  readonly phase: 'read' | 'check' | 'media' | 'write';
  /** Lines read, media files stored, or records written so far. */
  readonly done: number;
  /** The file being read (phase `read`). */
  readonly file?: string;
}

export interface ImportOptions {
  readonly content: ContentStore;
  readonly blobs: BlobStore;
  readonly communityId: Id;
  /** NDJSON files, imported together in this order; named in messages as given here. */
  readonly files: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportReport {
  readonly files: number;
  /** Records written per kind (created or replaced). */
  readonly records: Partial<Record<ContentKind, number>>;
  readonly media: {
    readonly count: number;
    /** Bytes of every media file of the import. */
    readonly bytes: number;
    /** Blobs this import stored; the others were already there (same bytes imported before). */
    readonly newBlobs: number;
  };
}

/** A valid line and where it came from. */
interface SourcedLine {
  readonly line: ImportLine;
  readonly file: string;
  readonly lineNumber: number;
}

/** A field of a line that names another record. */
interface Reference {
  readonly field: string;
  readonly kind: ContentKind;
  readonly id: string;
}

/** A field that names an entry of another record's list (a poll's option, a survey's question). */
interface EntryReference {
  readonly field: string;
  readonly kind: 'poll' | 'survey';
  readonly parent: string;
  readonly entry: string;
}

export async function importNdjson(options: ImportOptions): Promise<ImportReport> {
  const problems = new ProblemList();
  const lines = await readFiles(options, problems);
  problems.throwIfAny();
  await checkReferences(lines, options, problems);
  await checkMediaFiles(lines, problems);
  problems.throwIfAny();

  const added: string[] = [];
  try {
    const { records, bytes } = await storeMedia(lines, options, added);
    options.signal?.throwIfAborted();
    options.onProgress?.({ phase: 'write', done: 0 });
    const summary = await options.content.write(options.communityId, records);
    options.onProgress?.({ phase: 'write', done: records.length });
    return {
      files: options.files.length,
      records: summary.written,
      media: {
        count: lines.filter((l) => l.line.type === 'media').length,
        bytes,
        newBlobs: added.length,
      },
    };
  } catch (error) {
    // Blobs are content-addressed and were checked absent before the put, so no earlier
    // import refers to them.
    await Promise.all(added.map((key) => options.blobs.delete(key).catch(() => undefined)));
    throw error;
  }
}

/** Problems found so far, thrown as one ValidationError. */
class ProblemList {
  readonly #problems: string[] = [];
  #isTruncated = false;

  /** `at` is `file:line`, or the file alone for a problem of the whole file. */
  add(at: string, field: string, message: string): void {
    if (this.isFull) {
      this.stop();
      return;
    }
    this.#problems.push(field === '' ? `${at}: ${message}` : `${at}: ${field}: ${message}`);
  }

  /** Notes that input was left unchecked because the list is full. */
  stop(): void {
    this.#isTruncated = true;
  }

  get isFull(): boolean {
    return this.#problems.length >= MAX_LISTED_PROBLEMS;
  }

  throwIfAny(): void {
    if (this.#problems.length === 0) return;
    const count = this.#problems.length;
    const more = this.#isTruncated
      ? `\n(only the first ${MAX_LISTED_PROBLEMS} problems are listed; the import stopped there)`
      : '';
    throw new ValidationError(
      'file',
      `Nothing was imported: ${count} problem${count === 1 ? '' : 's'} in the input ` +
        `(format: docs/import-format.md). Fix ${count === 1 ? 'it' : 'them'} and import again:\n` +
        `${this.#problems.join('\n')}${more}`,
    );
  }
}

function where(line: SourcedLine): string {
  return `${line.file}:${line.lineNumber}`;
}

async function readFiles(options: ImportOptions, problems: ProblemList): Promise<SourcedLine[]> {
  const lines: SourcedLine[] = [];
  const defined = new Map<string, SourcedLine>();
  for (const file of options.files) {
    if (problems.isFull) {
      problems.stop();
      break;
    }
    const unreadable = await whyUnreadable(file);
    if (unreadable !== undefined) {
      problems.add(file, '', unreadable);
      continue;
    }
    for await (const { text, lineNumber } of linesOf(file)) {
      options.signal?.throwIfAborted();
      if (problems.isFull) {
        problems.stop();
        break;
      }
      if (lineNumber % 10_000 === 0)
        options.onProgress?.({ phase: 'read', done: lines.length, file });
      if (text.trim() === '') continue;
      const at = `${file}:${lineNumber}`;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        problems.add(at, '', `is not valid JSON (${reason}); each line must be one JSON object`);
        continue;
      }
      const result = parseContentLine(value);
      if (!result.ok) {
        for (const problem of result.problems) problems.add(at, problem.field, problem.message);
        continue;
      }
      const sourced = { line: result.line, file, lineNumber };
      const key = `${result.line.type}\u0000${result.line.id}`;
      const earlier = defined.get(key);
      if (earlier !== undefined) {
        problems.add(
          at,
          result.line.type === 'company' ? '' : 'id',
          `${result.line.type} ${describeValue(result.line.id)} is already defined at ${where(earlier)}; ids are unique per type within one import`,
        );
        continue;
      }
      defined.set(key, sourced);
      lines.push(sourced);
    }
    options.onProgress?.({ phase: 'read', done: lines.length, file });
  }
  return lines;
}

async function whyUnreadable(file: string): Promise<string | undefined> {
  try {
    const found = await stat(file);
    return found.isFile() ? undefined : 'is not a file; name NDJSON files';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(error)})`;
  }
}

/** The lines of a file, numbered from 1, streamed (the file is never read whole). */
async function* linesOf(file: string): AsyncGenerator<{ text: string; lineNumber: number }> {
  const handle = await open(file);
  const input = handle.createReadStream({ encoding: 'utf8' });
  const reader = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const text of reader) {
      lineNumber += 1;
      // Editors on Windows may start the file with a byte order mark.
      yield { text: lineNumber === 1 ? text.replace(/^\uFEFF/, '') : text, lineNumber };
    }
  } finally {
    reader.close();
    input.destroy();
  }
}

function referencesOf(line: ImportLine): Reference[] {
  const to = (kind: ContentKind, field: string, id: string | null): Reference[] =>
    id === null ? [] : [{ kind, field, id }];
  const attachments = (ids: readonly string[]): Reference[] =>
    ids.flatMap((id, index) => to('media', `attachments[${index}]`, id));
  switch (line.type) {
    case 'company':
      return [];
    case 'member':
      return to('member', 'manager', line.manager);
    case 'group':
      return to('member', 'creator', line.creator);
    case 'group_membership':
      return [...to('group', 'group', line.group), ...to('member', 'member', line.member)];
    case 'post':
      return [
        ...to('member', 'author', line.author),
        ...to('group', 'group', line.group),
        ...attachments(line.attachments),
      ];
    case 'comment':
      return [
        ...to('post', 'post', line.post),
        ...to('member', 'author', line.author),
        ...attachments(line.attachments),
      ];
    case 'reaction':
      return [
        ...to(line.target_type, 'target', line.target),
        ...to('member', 'author', line.author),
      ];
    case 'chat_thread':
      return line.participants.flatMap((id, index) => to('member', `participants[${index}]`, id));
    case 'chat_message':
      return [
        ...to('chat_thread', 'thread', line.thread),
        ...to('member', 'author', line.author),
        ...attachments(line.attachments),
      ];
    case 'event':
      return [...to('member', 'creator', line.creator), ...to('group', 'group', line.group)];
    case 'event_rsvp':
      return [...to('event', 'event', line.event), ...to('member', 'member', line.member)];
    case 'saved_item':
    case 'search':
    case 'login':
      return to('member', 'member', line.member);
    case 'reported_problem':
      return to('member', 'reporter', line.reporter);
    case 'kl_category':
      return to('kl_category', 'parent', line.parent);
    case 'kl_article':
      return [
        ...to('kl_category', 'category', line.category),
        ...to('member', 'author', line.author),
      ];
    case 'survey':
      return to('member', 'creator', line.creator);
    case 'survey_response':
      return [
        ...to('survey', 'survey', line.survey),
        ...to('member', 'respondent', line.respondent),
      ];
    case 'note':
      return to('member', 'author', line.author);
    case 'poll':
      return [...to('member', 'author', line.author), ...to('group', 'group', line.group)];
    case 'poll_vote':
      return [...to('poll', 'poll', line.poll), ...to('member', 'voter', line.voter)];
    case 'connection':
      return [...to('member', 'member', line.member), ...to('member', 'other', line.other)];
    case 'media':
      return to('member', 'owner', line.owner);
  }
}

function entryReferencesOf(line: ImportLine): EntryReference[] {
  if (line.type === 'poll_vote') {
    return [{ field: 'option', kind: 'poll', parent: line.poll, entry: line.option }];
  }
  if (line.type === 'survey_response') {
    return line.answers.map((answer, index) => ({
      field: `answers[${index}].question`,
      kind: 'survey',
      parent: line.survey,
      entry: answer.question,
    }));
  }
  return [];
}

/** Every reference must name a record of this import or of the store. */
async function checkReferences(
  lines: readonly SourcedLine[],
  options: ImportOptions,
  problems: ProblemList,
): Promise<void> {
  options.onProgress?.({ phase: 'check', done: 0 });
  const imported = new Map<ContentKind, Set<string>>();
  for (const { line } of lines) idsOf(imported, line.type).add(line.id);
  const wanted = new Map<ContentKind, Set<string>>();
  for (const sourced of lines) {
    for (const ref of referencesOf(sourced.line)) {
      if (!imported.get(ref.kind)?.has(ref.id)) idsOf(wanted, ref.kind).add(ref.id);
    }
  }
  const stored = new Map<ContentKind, Set<string>>();
  for (const [kind, ids] of wanted) {
    const all = [...ids];
    for (let start = 0; start < all.length; start += EXISTING_BATCH) {
      options.signal?.throwIfAborted();
      const found = await options.content.existing(
        options.communityId,
        kind,
        all.slice(start, start + EXISTING_BATCH),
      );
      for (const id of found) idsOf(stored, kind).add(id);
    }
  }
  const exists = (kind: ContentKind, id: string): boolean =>
    (imported.get(kind)?.has(id) ?? false) || (stored.get(kind)?.has(id) ?? false);
  for (const sourced of lines) {
    for (const ref of referencesOf(sourced.line)) {
      if (exists(ref.kind, ref.id)) continue;
      problems.add(
        where(sourced),
        ref.field,
        `${ref.kind} ${describeValue(ref.id)} does not exist; name a ${ref.kind} of this import or one imported before`,
      );
    }
  }
  await checkEntryReferences(lines, options, problems, exists);
}

function idsOf(map: Map<ContentKind, Set<string>>, kind: ContentKind): Set<string> {
  let ids = map.get(kind);
  if (ids === undefined) map.set(kind, (ids = new Set()));
  return ids;
}

/** A vote's option must be an option of its poll, an answer's question one of its survey. */
async function checkEntryReferences(
  lines: readonly SourcedLine[],
  options: ImportOptions,
  problems: ProblemList,
  exists: (kind: ContentKind, id: string) => boolean,
): Promise<void> {
  const entries = new Map<string, ReadonlySet<string>>();
  const remember = (line: ContentRecord | ImportLine): void => {
    if (line.type === 'poll') {
      entries.set(`poll:${line.id}`, new Set(line.options.map((o) => o.id)));
    }
    if (line.type === 'survey') {
      entries.set(`survey:${line.id}`, new Set(line.questions.map((q) => q.id)));
    }
  };
  for (const { line } of lines) remember(line);
  const refs = lines.flatMap((sourced) =>
    entryReferencesOf(sourced.line).map((ref) => ({ ref, sourced })),
  );
  // Polls and surveys only in the store are read once, to learn their options and questions.
  for (const kind of ['poll', 'survey'] as const) {
    const ids = [
      ...new Set(
        refs
          .filter(({ ref }) => ref.kind === kind && !entries.has(`${kind}:${ref.parent}`))
          .map(({ ref }) => ref.parent),
      ),
    ];
    for (let start = 0; start < ids.length; start += EXISTING_BATCH) {
      const batch = ids.slice(start, start + EXISTING_BATCH);
      for await (const record of options.content.query(options.communityId, { kind, ids: batch })) {
        remember(record);
      }
    }
  }
  for (const { ref, sourced } of refs) {
    const known = entries.get(`${ref.kind}:${ref.parent}`);
    // A missing poll or survey was reported with the plain references.
    if (known === undefined || !exists(ref.kind, ref.parent) || known.has(ref.entry)) continue;
    const what = ref.kind === 'poll' ? 'option' : 'question';
    problems.add(
      where(sourced),
      ref.field,
      `${ref.kind} ${describeValue(ref.parent)} has no ${what} ${describeValue(ref.entry)}; its ${what}s are ${[...known].join(', ') || '(none)'}`,
    );
  }
}

/** Where a media line's file is: relative to the folder of its NDJSON file. */
function sourceOf(sourced: SourcedLine & { line: MediaLine }): string {
  return path.resolve(path.dirname(sourced.file), sourced.line.file);
}

function isMedia(sourced: SourcedLine): sourced is SourcedLine & { line: MediaLine } {
  return sourced.line.type === 'media';
}

async function checkMediaFiles(
  lines: readonly SourcedLine[],
  problems: ProblemList,
): Promise<void> {
  for (const sourced of lines.filter(isMedia)) {
    const found = await stat(sourceOf(sourced)).catch(() => undefined);
    if (found?.isFile()) continue;
    problems.add(
      where(sourced),
      'file',
      found === undefined
        ? `${describeValue(sourced.line.file)} does not exist; paths are relative to the folder of ${sourced.file}`
        : `${describeValue(sourced.line.file)} is not a regular file`,
    );
  }
}

/** Stores each media file's bytes and turns the lines into records, in file order. */
async function storeMedia(
  lines: readonly SourcedLine[],
  options: ImportOptions,
  added: string[],
): Promise<{ records: ContentRecord[]; bytes: number }> {
  const records: ContentRecord[] = [];
  let bytes = 0;
  let stored = 0;
  for (const sourced of lines) {
    const { line } = sourced;
    if (line.type !== 'media') {
      records.push(line);
      continue;
    }
    const record = await storeMediaFile({ ...sourced, line }, options, added);
    bytes += record.size;
    records.push(record);
    options.onProgress?.({ phase: 'media', done: (stored += 1) });
  }
  return { records, bytes };
}

async function storeMediaFile(
  sourced: SourcedLine & { line: MediaLine },
  options: ImportOptions,
  added: string[],
): Promise<MediaRecord> {
  const source = sourceOf(sourced);
  const { signal } = options;
  // The key is the hash, so the bytes are read twice: once to name them, once to store them.
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(source, { signal }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  const sha256 = hash.digest('hex');
  const key = blobKeyForMedia(options.communityId, sha256);
  if ((await options.blobs.stat(key)) === undefined) {
    added.push(key);
    const put = await options.blobs.put(key, createReadStream(source), { signal });
    if (put.sha256 !== sha256) {
      throw new ValidationError(
        'file',
        `Nothing was imported: ${where(sourced)}: file: ${describeValue(sourced.line.file)} changed while it was being imported; import again once it no longer changes.`,
      );
    }
  }
  const { type, id, owner, name, content_type, created_time } = sourced.line;
  return { type, id, owner, name, content_type, size, sha256, blob_key: key, created_time };
}
