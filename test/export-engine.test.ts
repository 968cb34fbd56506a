/**
 * @module
 * The export engine end to end on a seeded community: for each format, every job's archives are
 * sound zips (`unzip -t` and yauzl), within the part size, carry a manifest whose entries hash
 * to their bytes, hold each selected data type with the source's item counts and nothing
 * outside the time range, escape user text in HTML and neutralise formulas in CSV; media come
 * at the chosen quality; the same export twice gives the same bytes.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ZodType, z } from 'zod';
import {
  DATA_TYPES,
  type DataType,
  type DyiFormat,
  type ExportJob,
  type MediaQuality,
} from '../src/domain/index.js';
import { dataTypeFolder } from '../src/export/archive-paths.js';
import { escapeHtml, timeHtml } from '../src/export/html-page.js';
import { inlineDeflateCount } from '../src/export/inline-deflate.js';
import { JobRunner, jobRunnerDeps, type RunnerShare } from '../src/export/job-runner.js';
import {
  dataTypeDocument,
  partManifest,
  partsIndex,
  schemaEntry,
  schemaPath,
} from '../src/export/archive-schema.js';
import { DATA_TYPE_SECTIONS } from '../src/export/data-type-sections.js';
import type { MediaObject } from '../src/export/section-model.js';
import { seedCommunity } from '../src/content/seed-community.js';
import type { ContentQuery } from '../src/ports/content-store.js';
import {
  type JobFiles,
  filesOfExport,
  readZip,
  runExport,
  sha256,
  unzipTest,
  zipEntries,
} from './support/archives.js';
import { storedExportDigest } from './support/archive-compare.js';
import { type GraphFixture, startGraphFixture } from './support/graph-fixture.js';

const PART_BYTES = 512 * 1024;
const START = Date.UTC(2024, 6, 1) / 1000;
const END = Date.UTC(2025, 6, 1) / 1000;
const ISO_START = '2024-07-01T00:00:00Z';
const ISO_END = '2025-07-01T00:00:00Z';

let fixture: GraphFixture;
let communityId: string;

beforeAll(async () => {
  fixture = await startGraphFixture({ maxPartBytes: PART_BYTES });
  const seeded = await seedCommunity(fixture.runtime, { users: 4, seed: 11 });
  communityId = seeded.communityId;
  // Posts a spreadsheet or a browser would run, by a member who is exported.
  const [first] = await fixture.runtime.metadata.members.listActiveIds(communityId);
  const author = (await fixture.runtime.content.member(communityId, first ?? ''))?.sourceId ?? '';
  const post = (id: string, message: string) => ({
    type: 'post' as const,
    id,
    author,
    group: null,
    message,
    attachments: [],
    created_time: START + 3600,
  });
  await fixture.runtime.content.write(communityId, [
    post('hostile-html', 'Look: <script>alert(1)</script> <img src=x onerror=alert(1)>'),
    post('hostile-csv', '=HYPERLINK("http://example.com","click")'),
  ]);
});

afterAll(async () => {
  await fixture.close();
});

async function exportOf(
  format: DyiFormat,
  quality: MediaQuality = 'VERY_HIGH',
  dataTypes: readonly DataType[] = DATA_TYPES,
): Promise<{ exportJob: ExportJob; jobs: JobFiles[] }> {
  const exportJob = await fixture.runtime.exports.create(communityId, {
    data_types: dataTypes.join(','),
    dyi_format: format,
    media_quality: quality,
    start_time: String(START),
    end_time: String(END),
  });
  const outcomes = await runExport(fixture.runtime, exportJob.id);
  expect([...outcomes.values()].every((outcome) => outcome === 'COMPLETED')).toBe(true);
  return { exportJob, jobs: await filesOfExport(fixture.runtime, exportJob.id) };
}

interface Manifest {
  readonly part: number;
  readonly item_counts: Record<string, number>;
  readonly entries: readonly { path: string; size: number; sha256: string }[];
}

/** Checks every part as a user would, and returns all entries of the job by path. */
async function openJob(
  job: JobFiles,
): Promise<{ entries: Map<string, Buffer>; manifest: Manifest }> {
  const entries = new Map<string, Buffer>();
  let manifest: Manifest | undefined;
  expect(job.files.length).toBeGreaterThan(0);
  for (const { file, bytes } of job.files) {
    expect(sha256(bytes)).toBe(file.sha256);
    expect(bytes.length).toBe(file.size);
    expect(file.size).toBeLessThanOrEqual(PART_BYTES);
    const onDisk = path.join(fixture.dataDir, `check-${file.id}.zip`);
    await writeFile(onDisk, bytes);
    await unzipTest(onDisk);
    const part = await readZip(bytes);
    const partManifest = JSON.parse(
      part.get(`manifest-part-${file.partNumber}.json`)?.toString('utf8') ?? '{}',
    ) as Manifest;
    expect(partManifest.part).toBe(file.partNumber);
    for (const entry of partManifest.entries) {
      const data = part.get(entry.path);
      expect(data && sha256(data)).toBe(entry.sha256);
      expect(data?.length).toBe(entry.size);
      entries.set(entry.path, data ?? Buffer.alloc(0));
    }
    manifest = partManifest;
  }
  if (!manifest) throw new Error('no manifest');
  return { entries, manifest };
}

/** Every part of every job, entry by entry, with the export's id and time as placeholders. */
function digestOf(result: { exportJob: ExportJob; jobs: JobFiles[] }) {
  const identity = { exportId: result.exportJob.id, requestedTime: result.exportJob.createTime };
  return storedExportDigest(result.jobs, identity);
}

type Row = Record<string, unknown>;

/**
 * The items of a data type's JSON document: the rows of every section, the nested ones (a
 * thread's messages) included, but not detail rows (a survey's questions, a response's answers).
 */
function itemsIn(dataType: DataType, document: Record<string, Row[]>): number {
  let items = 0;
  for (const section of DATA_TYPE_SECTIONS[dataType].sections) {
    if (section.jsonNesting !== undefined || section.detailOf !== undefined) continue;
    const nested = DATA_TYPE_SECTIONS[dataType].sections.find(
      (other) => other.parentsFrom === section.name && other.jsonNesting !== undefined,
    )?.jsonNesting?.key;
    for (const row of document[section.name] ?? []) {
      items += 1 + (nested === undefined ? 0 : (row[nested] as unknown[]).length);
    }
  }
  return items;
}

/**
 * Parses every JSON file of the jobs against its zod schema, compares each schema entry with
 * the generated bytes, and each media object with the file at its uri; returns how many data
 * type documents and attachments it saw, and how many of those are not the uploaded bytes
 * (renditions of the export's quality, described as they are in the archive).
 */
async function checkJsonFiles(
  jobs: readonly JobFiles[],
): Promise<{ documents: number; attachments: number; renditions: number }> {
  const originals = new Set<string>();
  for await (const media of fixture.runtime.content.query(communityId, { kind: 'media' })) {
    originals.add(media.sha256);
  }
  let documents = 0;
  let attachments = 0;
  let renditions = 0;
  for (const job of jobs) {
    const { entries } = await openJob(job);
    for (const name of [...entries.keys()].filter((each) => each.endsWith('.json'))) {
      const schema = schemaOf(name, job.job.dataTypes);
      expect(schema, name).toBeDefined();
      if (name.startsWith('schema/')) {
        const type = job.job.dataTypes.find((each) => schemaPath(each) === name);
        expect(entries.get(name)).toEqual(type && schemaEntry(type).data);
        continue;
      }
      const json = JSON.parse(entries.get(name)?.toString('utf8') ?? '') as unknown;
      expect(schema?.safeParse(json).error, name).toBeUndefined();
      if (name.startsWith('json/')) documents++;
      for (const media of mediaObjectsIn(json)) {
        attachments++;
        if ('missing' in media) continue;
        const bytes = entries.get(media.uri);
        expect(bytes && sha256(bytes), media.uri).toBe(media.sha256);
        expect(bytes?.length).toBe(media.size);
        if (!originals.has(media.sha256)) renditions++;
      }
    }
  }
  return { documents, attachments, renditions };
}

/** The zod schema an archive's JSON file must match, by its path. */
function schemaOf(name: string, dataTypes: readonly DataType[]): ZodType | undefined {
  if (/^manifest-part-\d+\.json$/.test(name)) return partManifest;
  if (name === 'parts-index.json') return partsIndex;
  if (name.startsWith('schema/')) return z.unknown();
  const type = dataTypes.find((each) =>
    new RegExp(`^json/${dataTypeFolder(each)}(_\\d+)?\\.json$`).test(name),
  );
  return type && dataTypeDocument(type);
}

/** Every attachment anywhere in a JSON document. */
function mediaObjectsIn(json: unknown): MediaObject[] {
  if (Array.isArray(json)) return json.flatMap(mediaObjectsIn);
  if (json === null || typeof json !== 'object') return [];
  const attachments = (json as { attachments?: MediaObject[] }).attachments ?? [];
  return [...attachments, ...Object.values(json).flatMap(mediaObjectsIn)];
}

/** The number of source records of a kind a user job should show, asked of the store itself. */
async function sourceCount(query: ContentQuery): Promise<number> {
  return fixture.runtime.content.count(communityId, query);
}

describe('JSON', () => {
  let result: Awaited<ReturnType<typeof exportOf>>;
  beforeAll(async () => {
    result = await exportOf('JSON');
  }, 120_000);

  it('gives the company job and each user job sound archives with every data type', async () => {
    const [company, ...users] = result.jobs;
    if (!company) throw new Error('no company job');
    expect(users.length).toBeGreaterThan(0);
    // The part size is small enough that some jobs need several parts, each checked alone.
    expect(result.jobs.some((job) => job.files.length > 1)).toBe(true);
    for (const job of result.jobs) {
      const { entries, manifest } = await openJob(job);
      const expected = DATA_TYPES.filter((type) => job.job.dataTypes.includes(type));
      expect(Object.keys(manifest.item_counts)).toEqual(expected);
      for (const type of expected) {
        const file = entries.get(`json/${dataTypeFolder(type)}.json`);
        expect(file, `${type} in job ${job.job.id}`).toBeDefined();
        const document = JSON.parse(file?.toString('utf8') ?? '{}') as Record<string, Row[]>;
        expect(itemsIn(type, document)).toBe(manifest.item_counts[type]);
      }
    }
  });

  it('holds the source item counts of each member, and nothing outside the time range', async () => {
    const range = { start: START, end: END };
    for (const job of result.jobs.slice(1)) {
      const member = await fixture.runtime.content.member(communityId, job.job.userId ?? '');
      if (!member) throw new Error('no member');
      const owner = member.sourceId;
      const { entries, manifest } = await openJob(job);
      expect(manifest.item_counts.POSTS_YOUR_ACTIVITY).toBe(
        await sourceCount({ kind: 'post', owner, range }),
      );
      expect(manifest.item_counts.SEARCH_LOGGED_INFO).toBe(
        await sourceCount({ kind: 'search', owner, range }),
      );
      expect(manifest.item_counts.COMMENTS_REACTIONS_YOUR_ACTIVITY).toBe(
        (await sourceCount({ kind: 'comment', owner, range })) +
          (await sourceCount({ kind: 'reaction', owner, range })),
      );
      expect(manifest.item_counts.PROFILE_PERSONAL_INFO).toBe(1);
      for (const type of ['POSTS_YOUR_ACTIVITY', 'SEARCH_LOGGED_INFO'] as const) {
        const file = entries.get(`json/${dataTypeFolder(type)}.json`)?.toString('utf8') ?? '{}';
        for (const rows of Object.values(JSON.parse(file) as Record<string, unknown[]>)) {
          for (const row of rows as { created_time: string }[]) {
            expect(row.created_time >= ISO_START && row.created_time < ISO_END).toBe(true);
          }
        }
      }
    }
  });

  it('parses every JSON file against its schema, and the schema in the archive is that one', async () => {
    const { documents, attachments } = await checkJsonFiles(result.jobs);
    expect(documents).toBeGreaterThan(DATA_TYPES.length);
    expect(attachments).toBeGreaterThan(0);
  });

  it('lists every member in the company profile data', async () => {
    const [company] = result.jobs;
    if (!company) throw new Error('no company job');
    const { manifest } = await openJob(company);
    expect(manifest.item_counts.WORKPLACE_COMPANY_METADATA_USER_PROFILE).toBe(
      await sourceCount({ kind: 'member' }),
    );
  });

  /** Runs a completed job of `result` again from its start; returns its files' names and SHA-256. */
  async function runAgain(job: JobFiles, share: RunnerShare = {}): Promise<string[][]> {
    // As when a worker dies after completing: the job is taken and run from its start.
    const taken = await fixture.runtime.metadata.jobs.transition(job.job.id, ['COMPLETED'], {
      state: 'IN_PROGRESS',
      time: job.job.updateTime,
    });
    expect(taken).toBe(true);
    const runner = new JobRunner(jobRunnerDeps(fixture.runtime, share));
    expect(await runner.run(job.job.id)).toBe('COMPLETED');
    const [again] = (await filesOfExport(fixture.runtime, result.exportJob.id)).filter(
      (other) => other.job.id === job.job.id,
    );
    return again?.files.map(({ file }) => [file.name, file.sha256]) ?? [];
  }

  it('gives identical bytes when the same job runs again', async () => {
    const [company, user] = result.jobs;
    for (const job of [company, user]) {
      if (!job) throw new Error('no job to run again');
      const before = job.files.map(({ file }) => [file.name, file.sha256]);
      expect(await runAgain(job)).toEqual(before);
    }
  }, 120_000);

  it("deflates on the runner's own thread, the same bytes as libuv's pool deflates", async () => {
    const [company, user] = result.jobs;
    for (const job of [company, user]) {
      if (!job) throw new Error('no job to run again');
      const before = job.files.map(({ file }) => [file.name, file.sha256]);
      let deflated = 0;
      for (const { bytes } of job.files) {
        deflated += (await zipEntries(bytes)).filter((entry) => entry.deflated).length;
      }
      const inline = inlineDeflateCount();
      expect(await runAgain(job, { deflateOnOwnThread: false })).toEqual(before);
      expect(inlineDeflateCount()).toBe(inline);
      expect(await runAgain(job)).toEqual(before);
      // The default: every deflated entry (text, manifests, the part index) on this thread.
      expect(inlineDeflateCount() - inline).toBe(deflated);
    }
  }, 120_000);

  it('gives the same archives when the same export runs again, but for its id and time', async () => {
    const again = await exportOf('JSON');
    expect(again.exportJob.id).not.toBe(result.exportJob.id);
    expect(await digestOf(again)).toEqual(await digestOf(result));
  }, 120_000);
});

describe('HTML_AND_JSON', () => {
  let result: Awaited<ReturnType<typeof exportOf>>;
  beforeAll(async () => {
    result = await exportOf('HTML_AND_JSON', 'VERY_HIGH', [
      'POSTS_YOUR_ACTIVITY',
      'MESSENGER_V2',
      'WORKPLACE_COMPANY_METADATA_COMPANY_INFO',
    ]);
  }, 120_000);

  it('says whose archive it is and which export made it, on the index and in every manifest', async () => {
    const { exportJob, jobs } = result;
    const community = await fixture.runtime.metadata.communities.get(communityId);
    for (const { job, files } of jobs) {
      const member =
        job.userId === null ? null : await fixture.runtime.metadata.members.get(job.userId);
      const { entries } = await openJob({ job, files });
      const index = entries.get('index.html')?.toString('utf8') ?? '';
      const title = member
        ? `Your information: ${member.name}`
        : `Company information: ${community?.name}`;
      expect(index).toContain(`<title>${escapeHtml(title)}</title>`);
      expect(index).toContain(`<dt>Export ID</dt><dd>${exportJob.id}</dd>`);
      expect(index).toContain(`<dt>Requested on</dt><dd>${timeHtml(exportJob.createTime)}</dd>`);
      if (member) {
        expect(index).toContain(`<dt>Member ID</dt><dd>${member.id}</dd>`);
        expect(index).toContain(
          `<dt>Email</dt><dd><bdi>${escapeHtml(member.email ?? '')}</bdi></dd>`,
        );
      }
      for (const { file, bytes } of files) {
        const manifest = JSON.parse(
          (await readZip(bytes)).get(`manifest-part-${file.partNumber}.json`)?.toString() ?? '{}',
        ) as Record<string, unknown>;
        expect(manifest).toMatchObject({
          export_id: exportJob.id,
          requested_time: new Date(exportJob.createTime * 1000).toISOString().replace('.000Z', 'Z'),
          community: { id: communityId, name: community?.name },
          member: member && { id: member.id, name: member.name, email: member.email },
        });
      }
    }
  });

  it('escapes user text in every page and links media relatively', async () => {
    const { jobs } = result;
    expect((await checkJsonFiles(jobs)).documents).toBeGreaterThan(0);
    let sawHostilePost = false;
    for (const job of jobs) {
      const { entries } = await openJob(job);
      expect(entries.has('index.html')).toBe(true);
      expect([...entries.keys()].some((name) => name.startsWith('json/'))).toBe(true);
      for (const [name, data] of entries) {
        if (!name.endsWith('.html')) continue;
        const html = data.toString('utf8');
        expect(html).not.toContain('<script>alert(1)</script>');
        expect(html).not.toMatch(/<img src=x/i);
        expect(html).not.toMatch(/(src|href)="https?:/);
        if (html.includes('&lt;script&gt;alert(1)&lt;/script&gt;')) sawHostilePost = true;
        for (const [, target] of html.matchAll(/<img src="([^"]+)"/g)) {
          expect(
            entries.has(
              path.posix.normalize(path.posix.join(path.posix.dirname(name), target ?? '')),
            ),
          ).toBe(true);
        }
      }
    }
    expect(sawHostilePost).toBe(true);
  });
});

describe('CSV', () => {
  it('neutralises cells that a spreadsheet would run as formulas', async () => {
    const { jobs } = await exportOf('CSV', 'VERY_HIGH', ['POSTS_YOUR_ACTIVITY']);
    let sawFormula = false;
    for (const job of jobs.slice(1)) {
      const { entries } = await openJob(job);
      for (const [name, data] of entries) {
        if (!name.endsWith('.csv')) continue;
        const text = data.toString('utf8');
        expect(text).not.toMatch(/(^|,)"?=HYPERLINK/m);
        if (text.includes(`'=HYPERLINK(`)) sawFormula = true;
      }
    }
    expect(sawFormula).toBe(true);
  }, 120_000);
});

describe('NONE', () => {
  it('holds media, manifests and the part index only', async () => {
    const { jobs } = await exportOf('NONE', 'VERY_HIGH', ['POSTS_YOUR_ACTIVITY']);
    for (const job of jobs.slice(1)) {
      const { entries } = await openJob(job);
      // Besides media, only the job's part index (its manifests are not in `entries`).
      const names = [...entries.keys()].filter((name) => name !== 'parts-index.json');
      expect(names.every((name) => name.startsWith('media/'))).toBe(true);
    }
  }, 120_000);
});

describe('media quality', () => {
  it('resizes images to the longest edge of the quality', async () => {
    const { jobs } = await exportOf('JSON', 'LOW', ['POSTS_YOUR_ACTIVITY']);
    let images = 0;
    for (const job of jobs.slice(1)) {
      const { entries } = await openJob(job);
      for (const [name, data] of entries) {
        if (!name.endsWith('.jpg')) continue;
        const { width = 0, height = 0 } = await sharp(data).metadata();
        expect(Math.max(width, height)).toBeLessThanOrEqual(720);
        images++;
      }
    }
    expect(images).toBeGreaterThan(0);
    // The JSON describes the resized files, not the uploads.
    const seen = await checkJsonFiles(jobs.slice(1));
    expect(seen.renditions, JSON.stringify(seen)).toBeGreaterThan(0);
  }, 120_000);
});
