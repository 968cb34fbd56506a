/**
 * @module
 * Phase 1 of an import: each NDJSON file is streamed line by line (never read whole; a line
 * past `MAX_LINE_BYTES` is refused without being gathered whole, `ndjson-lines.ts`), each
 * line parsed as JSON and checked against its kind's schema, and ids must be unique per kind
 * across the whole import. Problems go to the ProblemList; reading stops once it is full.
 */
import { stat } from 'node:fs/promises';
import type { ContentKind } from '../domain/index.js';
import { parseContentLine } from './content-schemas.js';
import { describeValue } from './describe-value.js';
import type { ImportOptions } from './ndjson-importer.js';
import { MAX_LINE_BYTES, type NdjsonLine, ndjsonLineBatches } from './ndjson-lines.js';
import type { ProblemList } from './problem-list.js';
import { type LinesByKind, recordKey, type SourcedLine, where } from './sourced-line.js';

const TOO_LONG =
  `is longer than ${MAX_LINE_BYTES} bytes (8 MiB), the limit of one line; ` +
  'a record that large is refused (see the text limits in docs/import-format.md)';

export async function readNdjsonFiles(
  options: ImportOptions,
  problems: ProblemList,
  /** Gets `recordKey(type, id)` of each line refused by its schema that names both. */
  rejected: Set<string> = new Set(),
): Promise<{ lines: SourcedLine[]; byKind: LinesByKind }> {
  const read: ReadLines = { lines: [], defined: new Map(), problems, rejected };
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
    await readFile(file, options, read);
    options.onProgress?.({ phase: 'read', done: read.lines.length, file });
  }
  return { lines: read.lines, byKind: read.defined };
}

/** What reading has gathered so far, across files. */
interface ReadLines {
  readonly lines: SourcedLine[];
  /** Each accepted line by kind, then id. */
  readonly defined: Map<ContentKind, Map<string, SourcedLine>>;
  readonly problems: ProblemList;
  readonly rejected: Set<string>;
}

async function readFile(file: string, options: ImportOptions, read: ReadLines): Promise<void> {
  const { problems } = read;
  for await (const batch of ndjsonLineBatches(file)) {
    for (const line of batch) {
      options.signal?.throwIfAborted();
      if (problems.isFull) {
        problems.stop();
        return;
      }
      if (line.lineNumber % 10_000 === 0)
        options.onProgress?.({ phase: 'read', done: read.lines.length, file });
      readLine(file, line, read);
    }
  }
}

/** Checks one line; keeps it when it is valid, else adds its problems. */
function readLine(
  file: string,
  read: NdjsonLine,
  { lines, defined, problems, rejected }: ReadLines,
): void {
  const { lineNumber } = read;
  if ('tooLong' in read) {
    problems.add(lineAt(file, lineNumber), '', TOO_LONG);
    return;
  }
  const { text } = read;
  if (text.trim() === '') return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    problems.add(
      lineAt(file, lineNumber),
      '',
      `is not valid JSON (${reason}); each line must be one JSON object`,
    );
    return;
  }
  const result = parseContentLine(value);
  if (!result.ok) {
    for (const problem of result.problems) {
      problems.add(lineAt(file, lineNumber), problem.field, problem.message);
    }
    const { type, id } = (value ?? {}) as { type?: unknown; id?: unknown };
    if (typeof type === 'string' && (typeof id === 'string' || typeof id === 'number')) {
      rejected.add(recordKey(type, String(id)));
    }
    return;
  }
  const sourced = { line: result.line, file, lineNumber };
  let ofKind = defined.get(result.line.type);
  if (ofKind === undefined)
    defined.set(result.line.type, (ofKind = new Map<string, SourcedLine>()));
  const earlier = ofKind.get(result.line.id);
  if (earlier !== undefined) {
    problems.add(
      lineAt(file, lineNumber),
      result.line.type === 'company' ? '' : 'id',
      `${result.line.type} ${describeValue(result.line.id)} is already defined at ${where(earlier)}; ids are unique per type within one import`,
    );
    return;
  }
  ofKind.set(result.line.id, sourced);
  lines.push(sourced);
}

/** `file:line`, as problems name a line; made only for a line that has one. */
function lineAt(file: string, lineNumber: number): string {
  return `${file}:${lineNumber}`;
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
