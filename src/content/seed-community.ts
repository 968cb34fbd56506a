/**
 * @module
 * `seedCommunity`: fills a community with a synthetic one (see `synthetic-community.ts`), for
 * demos, tests and benchmarks of exports at realistic volumes. It stores the seed's pool of
 * files in the BlobStore first (under content-addressed media keys, so a pool is stored once
 * per community however often it is seeded), then writes the records batch by batch, one
 * ContentStore transaction each: an interrupted seed leaves whole batches, and seeding again
 * with the same seed replaces them (records are keyed by kind and id). With `distinctImages`,
 * each batch's image records get photos of their own, stored before the batch is written.
 */
import { Readable } from 'node:stream';
import {
  CONTENT_KINDS,
  type ContentKind,
  type ContentRecord,
  type Id,
  type MediaRecord,
  ValidationError,
} from '../domain/index.js';
import { blobKeyForMedia } from '../ports/blob-store.js';
import type { Runtime } from '../runtime.js';
import { generateSyntheticCommunity, type MediaFile } from './synthetic-community.js';
import {
  renderDistinctImage,
  renderSyntheticFiles,
  type SyntheticFile,
} from './synthetic-images.js';

export interface SeedOptions {
  /** Members to make, 1 to `MAX_SEED_USERS`. */
  readonly users: number;
  readonly seed: number;
  /** Community to fill; a new one is created when absent. */
  readonly communityId?: Id;
  /**
   * Name of a new community (default "Synthetic <seed>"). The company record takes the name of
   * the community filled, whichever it is.
   */
  readonly name?: string;
  /**
   * Give every image media record a photo of its own (made from the pool, see
   * `renderDistinctImage`) instead of sharing the seed's 20 pool images, as in a real
   * community; default false. Same seed, same bytes. Costs a JPEG encode and a stored file per
   * image record (about 7 per member).
   */
  readonly distinctImages?: boolean;
  /** Called at the start and after each batch, with members written so far and in all. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stops between batches; the batches written stay. */
  readonly signal?: AbortSignal;
}

export interface SeedReport {
  readonly communityId: Id;
  /** Records written per kind. */
  readonly records: Record<ContentKind, number>;
  readonly totalRecords: number;
  /** Media records, and the bytes they show (a shared file counts once per record). */
  readonly media: { readonly count: number; readonly bytes: number };
  /** Distinct files put in the BlobStore, and their bytes. */
  readonly blobs: { readonly count: number; readonly bytes: number };
  /** The whole seed, in milliseconds. */
  readonly durationMs: number;
  /** Writing the records alone (without rendering and storing files), in milliseconds. */
  readonly writeDurationMs: number;
}

/** Largest community `dyi seed` makes: about 20 million records. */
export const MAX_SEED_USERS = 100_000;

/** Largest seed: the PRNG's state is 32 bits, so larger seeds would add nothing. */
export const MAX_SEED = 0xffff_ffff;

/**
 * Fills the given community, or a new one, with `options.users` synthetic members and their
 * content; returns what was written. Throws a ValidationError for users or seed out of range.
 */
export async function seedCommunity(runtime: Runtime, options: SeedOptions): Promise<SeedReport> {
  checkSeedOptions(options);
  const started = runtime.clock.now();
  const community =
    options.communityId === undefined
      ? await runtime.communities.create(options.name ?? `Synthetic ${options.seed}`)
      : await runtime.communities.get(options.communityId);
  const communityId = community.id;
  options.onProgress?.(0, options.users);
  const { files, pool, bytes } = await storeFiles(runtime, communityId, options);
  const blobs = { count: files.length, bytes };
  const writeStarted = runtime.clock.now();
  /** Time spent making and storing distinct images, which is not writing records. */
  let imagesMs = 0;
  const records = Object.fromEntries(CONTENT_KINDS.map((kind) => [kind, 0])) as Record<
    ContentKind,
    number
  >;
  let mediaBytes = 0;
  const batches = generateSyntheticCommunity({
    users: options.users,
    seed: options.seed,
    files,
    companyName: community.name,
  });
  for (const batch of batches) {
    options.signal?.throwIfAborted();
    const imagesStarted = runtime.clock.now();
    const batchRecords =
      options.distinctImages === true
        ? await withDistinctImages(runtime, communityId, options, pool, batch.records, blobs)
        : batch.records;
    imagesMs += runtime.clock.now() - imagesStarted;
    await runtime.content.write(communityId, batchRecords);
    for (const record of batchRecords) {
      records[record.type]++;
      if (record.type === 'media') mediaBytes += record.size;
    }
    options.onProgress?.(batch.usersDone, options.users);
  }
  return {
    communityId,
    records,
    totalRecords: Object.values(records).reduce((sum, n) => sum + n, 0),
    media: { count: records.media, bytes: mediaBytes },
    blobs,
    durationMs: runtime.clock.now() - started,
    writeDurationMs: runtime.clock.now() - writeStarted - imagesMs,
  };
}

function checkSeedOptions({ users, seed }: SeedOptions): void {
  if (!Number.isSafeInteger(users) || users < 1 || users > MAX_SEED_USERS) {
    throw new ValidationError(
      'users',
      `The number of users must be a whole number from 1 to ${MAX_SEED_USERS}, not ${users}.`,
    );
  }
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new ValidationError(
      'seed',
      `The seed must be a whole number from 0 to ${MAX_SEED}, not ${seed}.`,
    );
  }
}

/** Renders the seed's files and puts each in the BlobStore under its media key. */
async function storeFiles(
  runtime: Runtime,
  communityId: Id,
  options: SeedOptions,
): Promise<{ files: MediaFile[]; pool: ReadonlyMap<string, SyntheticFile>; bytes: number }> {
  const files: MediaFile[] = [];
  const pool = new Map<string, SyntheticFile>();
  let bytes = 0;
  for (const file of await renderSyntheticFiles(options.seed)) {
    files.push(await storeFile(runtime, communityId, file, options.signal));
    pool.set(file.sha256, file);
    bytes += file.bytes.length;
  }
  return { files, pool, bytes };
}

/** Puts one file in the BlobStore under its media key. */
async function storeFile(
  runtime: Runtime,
  communityId: Id,
  file: SyntheticFile,
  signal: AbortSignal | undefined,
): Promise<MediaFile> {
  const blobKey = blobKeyForMedia(communityId, file.sha256);
  const stored = await runtime.blobs.put(blobKey, Readable.from([file.bytes]), {
    ...(signal !== undefined && { signal }),
  });
  if (stored.sha256 !== file.sha256) {
    throw new Error(`blob store changed the bytes of ${file.name} under ${blobKey}`);
  }
  return {
    name: file.name,
    contentType: file.contentType,
    size: stored.size,
    sha256: stored.sha256,
    blobKey,
  };
}

/** Images made and stored at once: JPEG encoding and fsyncs overlap on libuv's threads. */
const DISTINCT_IMAGES_AT_ONCE = 4;

/**
 * The batch's records with a photo of its own behind each image media record (made from the
 * pool image the generator picked, keyed by the record's id), stored first; adds them to
 * `blobs`.
 */
async function withDistinctImages(
  runtime: Runtime,
  communityId: Id,
  options: SeedOptions,
  pool: ReadonlyMap<string, SyntheticFile>,
  records: readonly ContentRecord[],
  blobs: { count: number; bytes: number },
): Promise<ContentRecord[]> {
  const out = [...records];
  const images = out.flatMap((record, index) =>
    record.type === 'media' && pool.get(record.sha256)?.width !== undefined ? [index] : [],
  );
  for (let first = 0; first < images.length; first += DISTINCT_IMAGES_AT_ONCE) {
    options.signal?.throwIfAborted();
    await Promise.all(
      images.slice(first, first + DISTINCT_IMAGES_AT_ONCE).map(async (index) => {
        const record = out[index] as MediaRecord;
        const base = pool.get(record.sha256) as SyntheticFile;
        const image = await renderDistinctImage(base, options.seed, record.id);
        const file = await storeFile(runtime, communityId, image, options.signal);
        out[index] = { ...record, size: file.size, sha256: file.sha256, blob_key: file.blobKey };
        blobs.count += 1;
        blobs.bytes += file.size;
      }),
    );
  }
  return out;
}
