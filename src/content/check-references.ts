/**
 * @module
 * Phase 2 of an import: every reference of every line must name a record of this import or
 * one already stored, and every poll option or survey question a line names must be one of
 * that poll or survey. The store is asked in batches of EXISTING_BATCH ids, and only about
 * ids the import itself does not define. It runs even when reading found problems, on the
 * lines that were valid, so that one run reports both kinds.
 */
import type { ContentKind, ContentRecord } from '../domain/index.js';
import { describeValue } from './describe-value.js';
import type { ImportLine } from './import-line.js';
import {
  type EntryReference,
  entryReferencesOf,
  referencesOf,
  visitReferences,
} from './line-references.js';
import type { ImportOptions } from './ndjson-importer.js';
import type { ProblemList } from './problem-list.js';
import { type LinesByKind, recordKey, type SourcedLine, where } from './sourced-line.js';

/** Ids per `ContentStore.existing` call. */
const EXISTING_BATCH = 500;

/** Every reference must name a record of this import or of the store. */
export async function checkReferences(
  lines: readonly SourcedLine[],
  /** The same lines by kind and id, as reading gathered them. */
  imported: LinesByKind,
  options: ImportOptions,
  problems: ProblemList,
  /** Records whose own line was refused: a reference to one is not reported a second time. */
  rejected: ReadonlySet<string> = new Set(),
): Promise<void> {
  options.onProgress?.({ phase: 'check', done: 0 });
  const wanted = new Map<ContentKind, Set<string>>();
  const want = (kind: ContentKind, id: string): void => {
    if (!imported.get(kind)?.has(id)) idsOf(wanted, kind).add(id);
  };
  for (const sourced of lines) visitReferences(sourced.line, want);
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
  // Only a wanted id can be missing: when the store had them all, no line needs a second look.
  const isAnyMissing = [...wanted].some(([kind, ids]) =>
    [...ids].some((id) => !(stored.get(kind)?.has(id) ?? false)),
  );
  for (const sourced of isAnyMissing ? lines : []) {
    for (const ref of referencesOf(sourced.line)) {
      if (exists(ref.kind, ref.id) || rejected.has(recordKey(ref.kind, ref.id))) continue;
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
  const refs: { ref: EntryReference; sourced: SourcedLine }[] = [];
  for (const sourced of lines) {
    for (const ref of entryReferencesOf(sourced.line)) refs.push({ ref, sourced });
  }
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
