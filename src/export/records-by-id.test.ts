/**
 * `RecordsById` on a real content store (a seeded synthetic community in a temporary SQLite
 * runtime): rendering a job's data types as a job run does (the counting pass, then the
 * format's), with one `RecordsById` for the run, gives the same bytes as reading every
 * batch's references from the store, while reading each referenced record once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { seedCommunity } from '../content/seed-community.js';
import { SYNTHETIC_PERIOD } from '../content/synthetic-community.js';
import {
  DATA_TYPES,
  type ContentKind,
  type ContentMember,
  type ContentRecord,
  type ContentRecordOf,
} from '../domain/index.js';
import type { ContentQuery } from '../ports/content-store.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { renderDataType, type RenderFormat, type RenderScope } from './export-renderer.js';
import { RecordsById } from './records-by-id.js';
import { type ContentReader, ReplayedContent } from './replayed-content.js';

let runtime: Runtime;
let dataDir: string;
let communityId: string;
/** The members of the export's user jobs, and null for its company job. */
let targets: (ContentMember | null)[];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-records-by-id-'));
  runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  communityId = (await seedCommunity(runtime, { users: 8, seed: 3 })).communityId;
  const exportJob = await runtime.exports.create(communityId, {
    data_types: DATA_TYPES.join(','),
    dyi_format: 'JSON',
    media_quality: 'MEDIUM',
    start_time: String(SYNTHETIC_PERIOD.start),
    end_time: String(SYNTHETIC_PERIOD.end),
  });
  targets = [];
  for (const jobId of await runtime.metadata.jobs.idsOfExport(exportJob.id)) {
    const job = await runtime.metadata.jobs.get(jobId);
    if (job?.userId === null) targets.push(null);
    else if (job) targets.push((await runtime.content.member(communityId, job.userId)) ?? null);
  }
}, 60_000);

afterAll(async () => {
  await runtime?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** The store, counting the records each id query hands out, by kind and id. */
class CountingReader implements ContentReader {
  readonly byId = new Map<string, number>();

  async *query<K extends ContentKind>(
    communityId: string,
    query: ContentQuery<K>,
  ): AsyncGenerator<ContentRecordOf<K>> {
    for await (const record of runtime.content.query(communityId, query)) {
      if (query.ids) {
        const key = `${query.kind} ${record.id}`;
        this.byId.set(key, (this.byId.get(key) ?? 0) + 1);
      }
      yield record;
    }
  }

  get rows(): number {
    return [...this.byId.values()].reduce((sum, count) => sum + count, 0);
  }
}

/**
 * Every data type of one job, as `JobRunner` renders it: counted, then in `format`; the
 * sections' reads through `sections`, the records they refer to through `references`
 * (kept by a `RecordsById` for the run, or read anew for every batch without one).
 */
async function renderJob(
  member: ContentMember | null,
  format: RenderFormat,
  sections: ContentReader,
  references?: ContentReader,
): Promise<string[]> {
  const scope: RenderScope = {
    content: new ReplayedContent(sections),
    communityId,
    member,
    range: SYNTHETIC_PERIOD,
    chunkBytes: 4000,
    ...(references && { recordsById: new RecordsById(references) }),
  };
  const seen: string[] = [];
  const sink = {
    media: (record: ContentRecord) => void seen.push(`media ${record.id}`),
    items: (dataType: string, count: number) => void seen.push(`${dataType} ${count}`),
  };
  for (const dataType of DATA_TYPES) {
    for await (const entry of renderDataType(dataType, 'NONE', scope, sink)) {
      seen.push(`unexpected ${entry.path}`);
    }
  }
  for (const dataType of DATA_TYPES) {
    for await (const entry of renderDataType(dataType, format, scope, sink)) {
      seen.push(`${entry.path} ${entry.data.toString('base64')}`);
    }
  }
  return seen;
}

describe('RecordsById', () => {
  it('renders the same bytes, counts and media as reading every reference from the store', async () => {
    let rowsBefore = 0;
    let rowsNow = 0;
    for (const format of ['JSON', 'CSV', 'HTML'] as const) {
      for (const member of targets) {
        const before = new CountingReader();
        const sections = new CountingReader();
        const references = new CountingReader();
        const expected = await renderJob(member, format, before);
        const rendered = await renderJob(member, format, sections, references);
        expect(rendered).toEqual(expected);
        // Each referenced record is read once per run, and no other record is read.
        expect([...references.byId.values()].every((count) => count === 1)).toBe(true);
        const readNow = new Set([...sections.byId.keys(), ...references.byId.keys()]);
        expect([...readNow].sort()).toEqual([...before.byId.keys()].sort());
        rowsBefore += before.rows;
        rowsNow += sections.rows + references.rows;
      }
    }
    expect(targets.length).toBeGreaterThan(2);
    expect(rowsNow).toBeLessThan(rowsBefore * 0.8);
  }, 120_000);

  it('keeps at most its bound, and reads past it from the store every time', async () => {
    const members: string[] = [];
    for await (const record of runtime.content.query(communityId, { kind: 'member' })) {
      members.push(record.id);
    }
    const asked = [...members.slice(0, 3), 'no-such-member'];
    const reader = new CountingReader();
    const kept = new RecordsById(reader, 4);
    const found = async (ids: string[]): Promise<string[]> => {
      const ofRead: string[] = [];
      await kept.read(communityId, 'member', ids, (record) => ofRead.push(record.id));
      return ofRead.sort();
    };
    expect(await found(asked)).toEqual(members.slice(0, 3).sort());
    expect(reader.rows).toBe(3);
    // Found and missing ids alike are known now: nothing is read again.
    expect(await found(asked)).toEqual(members.slice(0, 3).sort());
    expect(reader.rows).toBe(3);
    // Four known already: two more would pass the bound, so they are read and not kept.
    const more = members.slice(3, 5);
    expect(await found(more)).toEqual([...more].sort());
    expect(await found(more)).toEqual([...more].sort());
    expect(reader.rows).toBe(7);
    expect(await found([members[0] ?? '', ...more])).toEqual([members[0], ...more].sort());
    expect(reader.rows).toBe(9);
  });
});
