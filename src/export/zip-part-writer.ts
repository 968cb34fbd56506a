/**
 * @module
 * Writes a job's archive as numbered zip parts of at most `maxPartBytes` each, streaming every
 * part to `storePart` while it is being made. Each part is a complete zip of its own (ZIP64
 * when yazl needs it) that ends with a deflated `manifest-part-N.json` listing its entries (path,
 * size, SHA-256 of the uncompressed bytes) and what was left out while it was open. Each
 * manifest has a name of its own so that all parts extract into one folder without a clash.
 * The last part's manifest says `part_count`, and the last part holds `parts-index.json`: every
 * earlier part's file name, size and SHA-256 (hashed as its bytes go to storage, by the writer or,
 * with `partsHashedByStore`, by the store), and itself
 * without them (a file cannot hold its own hash).
 *
 * Placement: yazl compresses while it writes, so the writer never knows an entry's stored size
 * in advance; it places entries by their worst case first (zlib's deflate bound for text, the
 * exact size for stored media, generous header and directory overhead, room for the manifest).
 * When a text entry's worst case does not fit where it would go, or the text is large next to
 * a part (over 1/16 of it), the writer deflates it once beforehand (same zlib, same level, so
 * the same length as yazl's output) and places it by that measured size: a part is never above
 * the limit, small parts fill with what text really takes, and a text entry is left out only
 * when its real deflated size cannot fit an empty part. `textChunkBytes` tells the renderers
 * how large a text file may be so that it fits an empty part even at its worst case, so split
 * text is never left out. An entry that cannot fit even in an empty part is left out and listed
 * instead. Something left out while a part has no room left in its manifest is listed in the
 * next part (a last part holding only a manifest if need be; an entry that arrives when a new
 * part is full of such listings goes on to the part after it); its `item` and `reason` are cut
 * to 1,000 characters so that it always fits one.
 *
 * Text is deflated at level 6 (zlib's default, about 58 MB/s here; higher levels cost much more
 * time for little gain on JSON); media are stored, being compressed already. Bytes are deterministic: every
 * entry has the DOS time 1980-01-01 00:00:00 whatever the time zone, mode 0o100644, no extra
 * timestamp field and no comments, so the same entries give the same bytes.
 *
 * Text already in memory is queued: `add()` of a text entry resolves once the entry is placed
 * and hashed, while yazl deflates it on libuv's threads (or, with `deflateOnOwnThread`, on this
 * thread when yazl gets to it), so that the renderer makes the next file meanwhile instead of waiting (the bytes are the same: yazl writes entries in the order
 * they were added, and placement never depends on when bytes are written). At most
 * `QUEUED_TEXT_BYTES` of text (plus the entry being added) wait in the queue. Media held in
 * memory with their SHA-256 (scaled images, `MediaEntry.held`) are queued the same way, stored
 * instead of deflated and not hashed again; any other media entry is streamed: its `add()`
 * resolves once yazl has taken all of its bytes. yazl's output is
 * piped to the stored stream (gathered into writes of `STORED_CHUNK_BYTES`), so backpressure
 * reaches from the storage back to the source. Any failure (abort, `ArchiveTooBigError`, a
 * source or storage error) destroys the streams, ends the stream being stored with the error
 * and rejects every later call with it. A failure while text is queued reaches the caller at
 * its next call.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { deflateRawSync } from 'node:zlib';
import { ZipFile } from 'yazl';
import { ArchiveTooBigError, ConfigurationError } from '../domain/errors.js';
import type { ArchiveEntry, HeldBytes, LeftOut } from './archive-entry.js';
import { withInlineDeflate } from './inline-deflate.js';

export interface ZipPartWriterOptions {
  /** Largest size of one part, in bytes (`DYI_MAX_PART_BYTES`). */
  readonly maxPartBytes: number;
  /** Largest total size of all parts of the job, in bytes (`DYI_MAX_JOB_BYTES`). */
  readonly maxJobBytes: number;
  /**
   * Stores part `partNumber` (from 1) while it is written; resolves once all of `body` is stored.
   * `leftOutCount()` is how many things the part's manifest lists as left out, final once `body`
   * has ended. With `partsHashedByStore`, resolves with the SHA-256 of the bytes it stored.
   */
  storePart(
    partNumber: number,
    body: Readable,
    leftOutCount: () => number,
  ): Promise<void | { readonly sha256: string }>;
  /**
   * `storePart` hashes what it stores (a blob store does) and resolves with that SHA-256, which
   * the part index then lists: the writer does not hash every part a second time.
   */
  readonly partsHashedByStore?: boolean;
  /** Job-level fields copied into every part's manifest, after `format`, in their own order. */
  readonly manifest: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal;
  /** Told of everything left out, in order, as it is (the job's index page names them). */
  onLeaveOut?(item: LeftOut): void;
  /** The stored file name of part `partNumber`, named in the job's part index. */
  partFileName?(partNumber: number): string;
  /**
   * Deflates on the thread that calls the writer instead of libuv's pool (`inline-deflate.ts`):
   * the same bytes, at that thread's priority; text is then deflated in turn with rendering
   * rather than beside it. `dyi serve`'s export threads, at nice 19, set it.
   */
  readonly deflateOnOwnThread?: boolean;
}

/** Where part `partNumber`'s manifest is: a name of its own, so that parts extract side by side. */
export function manifestPath(partNumber: number): string {
  return `manifest-part-${partNumber}.json`;
}
/** Every manifest's path has this form; no other entry may take it. */
const MANIFEST_PATH_PATTERN = /^manifest(-part-\d+)?\.json$/;
/** The job's part index, in the last part: every other part with its size and SHA-256. */
export const PART_INDEX_PATH = 'parts-index.json';
/** The longest manifest path, for the size accounting. */
const LONGEST_MANIFEST_PATH = manifestPath(Number.MAX_SAFE_INTEGER);
export const MANIFEST_FORMAT = 'dyi-export/1';
const TEXT_COMPRESSION_LEVEL = 6;
/** Longest `item` or `reason` kept in a manifest, in characters, so that one always fits a part. */
const LEFT_OUT_TEXT_CHARS = 1000;
const RESERVED_MANIFEST_KEYS = ['format', 'part', 'part_count', 'entries', 'left_out'];
/** ZIP64 end record (56) + its locator (20) + end of central directory (22), rounded up. */
const END_RECORDS_BYTES = 200;
/** Longest text path `textChunkBytes` allows for (the renderers' paths are far shorter). */
const TEXT_PATH_BYTES = 255;
/**
 * Text larger than this share of a part is measured before it is placed (one extra deflate),
 * so that small parts fill with what text really takes; with the default 1 GiB parts, text
 * files (4 MiB at most) are measured only when a part is nearly full.
 */
const MEASURED_TEXT_SHARE = 16;
/** Added to a measured deflated size, in case yazl's deflate stream ever ends a few bytes longer. */
const MEASURED_SLACK_BYTES = 64;
/**
 * Text bytes queued for yazl before `add()` waits for them to be taken: enough for the next
 * rendered file to be made while the last one is deflated, little next to a worker's memory.
 */
const QUEUED_TEXT_BYTES = 4 * 1024 * 1024;
/** Bytes of a part gathered before they go to storage in one write. */
const STORED_CHUNK_BYTES = 256 * 1024;

/** yazl 3.3.1 internals used by `forgetWrittenEntries`; checked at run time, never required. */
interface YazlInternals {
  entries: { state: number }[];
}
const YAZL_ENTRY_DONE = 3;

/** An entry as its part's manifest lists it: path, size and SHA-256 of its bytes. */
export interface ManifestEntry {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** Upper bounds of what a part holds: zip bytes other than the manifest, and raw manifest JSON. */
interface Budget {
  zipBytes: number;
  manifestBytes: number;
}

/** One stored part, as the part index lists it. */
export interface StoredPart {
  readonly part: number;
  readonly file_name: string | null;
  readonly size: number;
  readonly sha256: string;
}

interface Part {
  readonly number: number;
  /** SHA-256 of the part's bytes, as they go to storage; none when the store hashes them. */
  readonly hash: ReturnType<typeof createHash> | undefined;
  /** The SHA-256 `storePart` resolved with (`partsHashedByStore`). */
  storedSha256: string | undefined;
  readonly zip: ZipFile;
  readonly body: Transform;
  /** Settles when `storePart` does; never rejects (failures go to `#fail`). */
  readonly stored: Promise<void>;
  readonly budget: Budget;
  readonly entries: ManifestEntry[];
  readonly leftOut: LeftOut[];
  /** Entries yazl has finished, kept out of its list while writing (see `forgetWrittenEntries`). */
  readonly written: unknown[];
  bytes: number;
  closing: boolean;
}

export class ZipPartWriter {
  readonly #options: Readonly<ZipPartWriterOptions>;
  readonly #manifestBaseBytes: number;
  readonly #failed: Promise<never>;
  #rejectFailed: (error: unknown) => void = () => undefined;
  #failure: { readonly error: unknown } | undefined;
  #tail: Promise<void> = Promise.resolve();
  #part: Part | undefined;
  #inFlight: Readable[] = [];
  /** Text handed to yazl and not taken yet, oldest first (see `QUEUED_TEXT_BYTES`). */
  #queued: Promise<void>[] = [];
  #queuedBytes = 0;
  #pendingLeftOut: LeftOut[] = [];
  #partCount = 0;
  /** The parts stored so far, in order. */
  readonly #stored: StoredPart[] = [];
  #jobBytes = 0;
  #leftOutCount = 0;
  #finished = false;
  readonly #onAbort = (): void => this.#fail(this.#options.signal?.reason);

  constructor(options: ZipPartWriterOptions) {
    this.#options = Object.freeze({ ...options, manifest: Object.freeze({ ...options.manifest }) });
    for (const key of RESERVED_MANIFEST_KEYS) {
      if (key in options.manifest) {
        throw new ConfigurationError(
          `The manifest field "${key}" is written by the zip part writer; rename the job's field.`,
        );
      }
    }
    this.#manifestBaseBytes =
      jsonBytes({
        format: MANIFEST_FORMAT,
        ...options.manifest,
        part: Number.MAX_SAFE_INTEGER,
        part_count: Number.MAX_SAFE_INTEGER,
        entries: [],
        left_out: [],
      }) + 64;
    const smallest = this.#partBytes(
      this.#emptyBudget(),
      0,
      leftOutBytes({
        item: '\u0000'.repeat(LEFT_OUT_TEXT_CHARS),
        reason: '\u0000'.repeat(LEFT_OUT_TEXT_CHARS),
      }),
    );
    if (!Number.isSafeInteger(options.maxPartBytes) || options.maxPartBytes < smallest) {
      throw new ConfigurationError(
        `DYI_MAX_PART_BYTES is ${options.maxPartBytes}; set it to at least ${smallest} bytes so that a part can hold its manifest.`,
      );
    }
    if (!Number.isSafeInteger(options.maxJobBytes) || options.maxJobBytes < 1) {
      throw new ConfigurationError(
        `DYI_MAX_JOB_BYTES is ${options.maxJobBytes}; set it to a positive number of bytes.`,
      );
    }
    this.#failed = new Promise<never>((_resolve, reject) => {
      this.#rejectFailed = reject;
    });
    this.#failed.catch(() => undefined);
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /**
   * The largest text entry, in bytes, that fits an empty part even if it does not deflate at
   * all (for a path of up to 255 bytes): renderers split text into files of at most this size.
   */
  get textChunkBytes(): number {
    const path = 'x'.repeat(TEXT_PATH_BYTES);
    const fits = (bytes: number): boolean =>
      this.#fits(
        this.#emptyBudget(),
        deflateBound(bytes) + entryOverhead(path),
        manifestEntryBytes(path),
      );
    let low = 0;
    let high = this.#options.maxPartBytes;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(middle)) low = middle;
      else high = middle - 1;
    }
    return Math.max(1, low);
  }

  /** How many things were left out so far (listed in a manifest or about to be). */
  get leftOutCount(): number {
    return this.#leftOutCount;
  }

  /**
   * Adds one entry; resolves when the writer can take the next one, with the entry as its
   * manifest lists it, or undefined when it was left out.
   */
  add(entry: ArchiveEntry): Promise<ManifestEntry | undefined> {
    return this.#enqueue(() => this.#add(entry));
  }

  /**
   * Lists something in the manifest of the part being written, or of the next part if this
   * one has no room left for it (or none is open).
   */
  leaveOut(item: LeftOut): void {
    if (this.#finished) throw new Error('leaveOut() called after finish()');
    if (this.#failure !== undefined) return;
    this.#leftOutCount++;
    const capped = { item: cap(item.item), reason: cap(item.reason) };
    this.#options.onLeaveOut?.(capped);
    const part = this.#part;
    if (part !== undefined && !part.closing && this.#fits(part.budget, 0, leftOutBytes(capped))) {
      addLeftOut(part, capped);
    } else {
      this.#pendingLeftOut.push(capped);
    }
  }

  /**
   * Ends the last part; writes one more part if something left out is not listed yet, or, with
   * `atLeastOnePart`, if nothing was written at all. `leftOut` counts everything left out.
   */
  finish(
    options: { atLeastOnePart?: boolean } = {},
  ): Promise<{ parts: number; bytes: number; leftOut: number }> {
    return this.#enqueue(async () => {
      if (this.#finished) throw new Error('finish() called twice');
      this.#finished = true;
      const hasParts = this.#partCount > 0 || this.#pendingLeftOut.length > 0;
      if (hasParts || options.atLeastOnePart === true) await this.#finishLastPart();
      this.#options.signal?.removeEventListener('abort', this.#onAbort);
      return { parts: this.#partCount, bytes: this.#jobBytes, leftOut: this.#leftOutCount };
    });
  }

  /**
   * Gives up on the archive because of a failure outside the writer (a renderer, a read):
   * destroys the streams, ends the part being stored with `reason` so that the caller drops it,
   * and resolves once `storePart` has settled. Later calls reject with `reason`.
   */
  async abort(reason: unknown): Promise<void> {
    this.#fail(reason);
    await this.#failed.catch(() => undefined);
  }

  /** The parts stored so far, in order, with their size and SHA-256 (all of them once finished). */
  get storedParts(): readonly StoredPart[] {
    return this.#stored;
  }

  /**
   * Lists what is still pending, then writes the part index into the last part and closes it
   * as the last (its manifest says `part_count`). An index too large for an empty part is left
   * out and listed instead (only with thousands of the smallest parts).
   */
  async #finishLastPart(): Promise<void> {
    let indexLeftOut = false;
    for (;;) {
      const part = this.#part ?? this.#openPart();
      if (this.#pendingLeftOut.length > 0) {
        await this.#closePart(part, false);
        continue;
      }
      if (indexLeftOut) return this.#closePart(part, true);
      const index = this.#partIndex(part.number);
      const zipBytes = deflateBound(index.length) + entryOverhead(PART_INDEX_PATH);
      const manifestBytes = manifestEntryBytes(PART_INDEX_PATH);
      if (this.#fits(part.budget, zipBytes, manifestBytes)) {
        part.budget.zipBytes += zipBytes;
        part.budget.manifestBytes += manifestBytes;
        const open = () => Promise.resolve(Readable.from([index], { objectMode: false }));
        const sha256 = await this.#write(part, PART_INDEX_PATH, index.length, true, open);
        part.entries.push({ path: PART_INDEX_PATH, size: index.length, sha256 });
        return this.#closePart(part, true);
      }
      if (!this.#fits(this.#emptyBudget(), zipBytes, manifestBytes)) {
        indexLeftOut = true;
        this.#leftOutCount++;
        const item = {
          item: PART_INDEX_PATH,
          reason: `the index of ${part.number} parts (${describeBytes(index.length)}) does not fit in one part of at most ${describeBytes(this.#options.maxPartBytes)} (DYI_MAX_PART_BYTES); the job's files in the API list every part with its size and SHA-256`,
        };
        this.#options.onLeaveOut?.(item);
        if (this.#fits(part.budget, 0, leftOutBytes(item))) addLeftOut(part, item);
        else this.#pendingLeftOut.push(item);
        continue;
      }
      await this.#closePart(part, false);
    }
  }

  /** The part index written into part `last`: the parts before it, and itself. */
  #partIndex(last: number): Buffer {
    const index = {
      format: MANIFEST_FORMAT,
      ...this.#options.manifest,
      part_count: last,
      parts: [
        ...this.#stored,
        // A part cannot hold its own hash: the job's files in the API give this one's.
        {
          part: last,
          file_name: this.#options.partFileName?.(last) ?? null,
          size: null,
          sha256: null,
        },
      ],
    };
    return Buffer.from(`${JSON.stringify(index, null, 2)}\n`);
  }

  /** Runs calls one after another, so that callers who do not await still get one in flight. */
  #enqueue<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(async (): Promise<T> => {
      if (this.#options.signal?.aborted === true) this.#fail(this.#options.signal.reason);
      if (this.#failure !== undefined) return this.#failed;
      return run();
    });
    this.#tail = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  async #add(entry: ArchiveEntry): Promise<ManifestEntry | undefined> {
    if (this.#finished) throw new Error('add() called after finish()');
    if (MANIFEST_PATH_PATTERN.test(entry.path) || entry.path === PART_INDEX_PATH)
      throw new Error(`${entry.path} is written by the zip part writer`);
    const size = entry.kind === 'text' ? entry.data.length : entry.size;
    const overhead = entryOverhead(entry.path);
    const manifestBytes = manifestEntryBytes(entry.path);
    let zipBytes = (entry.kind === 'text' ? deflateBound(size) : size) + overhead;
    const target = this.#part?.budget ?? this.#emptyBudget();
    const isLarge = size > this.#options.maxPartBytes / MEASURED_TEXT_SHARE;
    if (entry.kind === 'text' && (isLarge || !this.#fits(target, zipBytes, manifestBytes))) {
      // What the text really takes once deflated decides, not its worst case: otherwise large
      // text would fill a part at its raw size. zlib's bound holds whatever the measure says,
      // so the smaller of the two is safe.
      zipBytes =
        Math.min(deflateBound(size), deflatedBytes(entry.data) + MEASURED_SLACK_BYTES) + overhead;
    }
    if (!this.#fits(this.#emptyBudget(), zipBytes, manifestBytes)) {
      this.leaveOut({
        item: entry.path,
        reason: `${describeBytes(size)} does not fit in one part of at most ${describeBytes(this.#options.maxPartBytes)} (DYI_MAX_PART_BYTES)`,
      });
      return undefined;
    }
    const part = await this.#partWithRoom(zipBytes, manifestBytes);
    part.budget.zipBytes += zipBytes;
    part.budget.manifestBytes += manifestBytes;
    const sha256 =
      entry.kind === 'text'
        ? await this.#queue(part, entry.path, entry.data, true)
        : entry.held !== undefined
          ? await this.#queue(
              part,
              entry.path,
              heldData(entry.held, size),
              false,
              entry.held.sha256,
            )
          : await this.#write(part, entry.path, size, false, () => entry.open());
    const written = { path: entry.path, size, sha256 };
    part.entries.push(written);
    return written;
  }

  /** The open part if the entry fits in it, else a new one (after the ones filled by left-outs). */
  async #partWithRoom(zipBytes: number, manifestBytes: number): Promise<Part> {
    let part = this.#part ?? this.#openPart();
    while (!this.#fits(part.budget, zipBytes, manifestBytes)) {
      // A new part may be full of things left out earlier: it lists them, the next one has room.
      await this.#closePart(part, false);
      part = this.#openPart();
    }
    return part;
  }

  #openPart(): Part {
    const number = ++this.#partCount;
    const zip = new ZipFile();
    zip.on('error', (error: unknown) => this.#fail(error));
    // yazl writes each entry's header and data descriptor as chunks of their own, and zlib its
    // output in 16 KiB pieces: gathered into `STORED_CHUNK_BYTES`, storage gets a few large
    // writes instead of three or more per entry. Same bytes, same order.
    const gathered: Buffer[] = [];
    let gatheredBytes = 0;
    const takeGathered = (): Buffer => {
      const out = gathered.length === 1 ? (gathered[0] as Buffer) : Buffer.concat(gathered);
      gathered.length = 0;
      gatheredBytes = 0;
      return out;
    };
    const body = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        if (!this.#count(part, chunk.length)) return callback();
        part.hash?.update(chunk);
        gathered.push(chunk);
        gatheredBytes += chunk.length;
        if (gatheredBytes < STORED_CHUNK_BYTES) return callback();
        callback(null, takeGathered());
      },
      flush: (callback: TransformCallback) => {
        callback(null, gatheredBytes > 0 ? takeGathered() : undefined);
      },
    });
    // The writer learns of a failure through `storePart` and `#fail`; a store that failed
    // before it read the body (no room to record the file) leaves no other listener, and an
    // unheard 'error' from destroying the body would end the whole worker thread.
    body.on('error', () => undefined);
    const part: Part = {
      number,
      hash: this.#options.partsHashedByStore === true ? undefined : createHash('sha256'),
      storedSha256: undefined,
      zip,
      body,
      stored: this.#store(number, body, () => part),
      budget: this.#emptyBudget(),
      entries: [],
      leftOut: [],
      written: [],
      bytes: 0,
      closing: false,
    };
    zip.outputStream.pipe(body);
    this.#part = part;
    const pending = this.#pendingLeftOut;
    while (pending[0] !== undefined && this.#fits(part.budget, 0, leftOutBytes(pending[0]))) {
      addLeftOut(part, pending[0]);
      pending.shift();
    }
    return part;
  }

  async #store(number: number, body: Transform, partOf: () => Part): Promise<void> {
    try {
      const stored = await this.#options.storePart(number, body, () => partOf().leftOut.length);
      if (!body.readableEnded && this.#failure === undefined) {
        this.#fail(new Error(`storePart(${number}) resolved before reading the whole part`));
      } else if (this.#options.partsHashedByStore === true) {
        const sha256 = stored?.sha256;
        if (sha256 === undefined || !/^[0-9a-f]{64}$/.test(sha256)) {
          throw new Error(
            `storePart(${number}) resolved without the SHA-256 of the part it stored`,
          );
        }
        partOf().storedSha256 = sha256;
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Writes the part's manifest and ends it; the last part's manifest says how many parts exist. */
  async #closePart(part: Part, isLast: boolean): Promise<void> {
    part.closing = true;
    const manifest = {
      format: MANIFEST_FORMAT,
      ...this.#options.manifest,
      part: part.number,
      ...(isLast ? { part_count: part.number } : {}),
      entries: part.entries,
      left_out: part.leftOut,
    };
    const data = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await this.#write(part, manifestPath(part.number), data.length, true, () =>
      Promise.resolve(Readable.from([data], { objectMode: false })),
    );
    const internals = part.zip as unknown as Partial<YazlInternals>;
    if (Array.isArray(internals.entries))
      internals.entries = (part.written as YazlInternals['entries']).concat(internals.entries);
    part.zip.end();
    await this.#guard(part.stored);
    if (this.#failure !== undefined) await this.#failed;
    this.#part = undefined;
    const sha256 = part.storedSha256 ?? part.hash?.digest('hex');
    if (sha256 === undefined) throw new Error(`Part ${part.number} was stored without a SHA-256`);
    this.#stored.push({
      part: part.number,
      file_name: this.#options.partFileName?.(part.number) ?? null,
      size: part.bytes,
      sha256,
    });
  }

  /**
   * Hands bytes in memory to yazl without waiting for them to be deflated (text) or stored
   * (media held in memory, whose SHA-256 is `known`); resolves with their SHA-256 once the
   * queue is back within `QUEUED_TEXT_BYTES`.
   */
  async #queue(
    part: Part,
    path: string,
    data: Buffer,
    deflate: boolean,
    known?: string,
  ): Promise<string> {
    const sha256 = known ?? createHash('sha256').update(data).digest('hex');
    let taken!: () => void;
    this.#queued.push(new Promise<void>((resolve) => (taken = resolve)));
    this.#queuedBytes += data.length;
    forgetWrittenEntries(part);
    part.zip.addReadStreamLazy(path, entryOptions(data.length, deflate), (callback) => {
      if (this.#failure !== undefined) return;
      const source = Readable.from([data], { objectMode: false });
      this.#inFlight = [source];
      source.once('end', () => {
        this.#inFlight = [];
        this.#queuedBytes -= data.length;
        void this.#queued.shift();
        taken();
      });
      this.#handOver(() => callback(null, source));
    });
    while (this.#queuedBytes > QUEUED_TEXT_BYTES && this.#queued[0] !== undefined) {
      await this.#guard(this.#queued[0]);
    }
    return sha256;
  }

  /** Streams one entry into the part; resolves with its SHA-256 once yazl has taken every byte. */
  async #write(
    part: Part,
    path: string,
    size: number,
    deflate: boolean,
    open: () => Promise<Readable>,
  ): Promise<string> {
    const hasher = new EntryHasher(path, size);
    hasher.on('error', (error) => this.#fail(error));
    const taken = new Promise<void>((resolve) => hasher.once('end', resolve));
    forgetWrittenEntries(part);
    part.zip.addReadStreamLazy(path, entryOptions(size, deflate), (callback) => {
      open().then(
        (source) => {
          if (this.#failure !== undefined) {
            source.destroy();
            return;
          }
          this.#inFlight = [source, hasher];
          source.on('error', (error) => this.#fail(error));
          this.#handOver(() => callback(null, source.pipe(hasher)));
        },
        (error: unknown) => this.#fail(error),
      );
    });
    await this.#guard(taken);
    this.#inFlight = [];
    return hasher.sha256();
  }

  /** Hands an entry's stream to yazl, which builds the entry's compressor right then. */
  #handOver(giveStream: () => void): void {
    if (this.#options.deflateOnOwnThread === true) withInlineDeflate(giveStream);
    else giveStream();
  }

  /** Counts bytes on their way to storage; false once a limit is passed and the writer failed. */
  #count(part: Part, bytes: number): boolean {
    if (this.#jobBytes + bytes > this.#options.maxJobBytes) {
      this.#fail(new ArchiveTooBigError(this.#options.maxJobBytes, this.#jobBytes + bytes));
      return false;
    }
    if (part.bytes + bytes > this.#options.maxPartBytes) {
      this.#fail(
        new Error(
          `Part ${part.number} passed ${this.#options.maxPartBytes} bytes: the size accounting of ZipPartWriter is wrong`,
        ),
      );
      return false;
    }
    this.#jobBytes += bytes;
    part.bytes += bytes;
    return true;
  }

  #emptyBudget(): Budget {
    return { zipBytes: END_RECORDS_BYTES, manifestBytes: this.#manifestBaseBytes };
  }

  #partBytes(budget: Budget, zipBytes: number, manifestBytes: number): number {
    return (
      budget.zipBytes +
      zipBytes +
      deflateBound(budget.manifestBytes + manifestBytes) +
      entryOverhead(LONGEST_MANIFEST_PATH)
    );
  }

  #fits(budget: Budget, zipBytes: number, manifestBytes: number): boolean {
    return this.#partBytes(budget, zipBytes, manifestBytes) <= this.#options.maxPartBytes;
  }

  /** Waits for `promise`, or rejects as soon as the writer has failed and storage has settled. */
  #guard<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.#failed]);
  }

  #fail(error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = { error };
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    for (const stream of this.#inFlight) stream.destroy();
    this.#inFlight = [];
    this.#queued = [];
    this.#queuedBytes = 0;
    const part = this.#part;
    if (part === undefined) {
      this.#rejectFailed(error);
      return;
    }
    (part.zip.outputStream as Readable).destroy();
    // The stored stream must end with an error, so that the caller drops the half part.
    part.body.destroy(error instanceof Error ? error : new Error(String(error), { cause: error }));
    void part.stored.then(() => this.#rejectFailed(error));
  }
}

/** Passes an entry's bytes to yazl, hashing them and holding them to the announced size. */
class EntryHasher extends Transform {
  readonly #hash = createHash('sha256');
  #bytes = 0;
  #digest: string | undefined;

  constructor(
    readonly path: string,
    readonly size: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.size) {
      callback(new Error(`${this.path} yielded more than its announced ${this.size} bytes`));
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#bytes !== this.size) {
      callback(
        new Error(
          `${this.path} yielded ${this.#bytes} bytes instead of its announced ${this.size}`,
        ),
      );
      return;
    }
    this.#digest = this.#hash.digest('hex');
    callback();
  }

  sha256(): string {
    if (this.#digest === undefined) throw new Error(`${this.path} was not read to its end`);
    return this.#digest;
  }
}

/**
 * yazl looks for its next entry by scanning its list from the start on every step, which makes
 * a part of n entries cost O(n²) (65,535 tiny entries: 13 s of scanning). Finished entries are
 * kept aside while writing and put back before `end()`, when yazl writes the central directory.
 * If yazl's internals ever differ, this does nothing and yazl is merely slower.
 */
function forgetWrittenEntries(part: Part): void {
  const internals = part.zip as unknown as Partial<YazlInternals>;
  const entries = internals.entries;
  if (!Array.isArray(entries)) return;
  let done = 0;
  while (done < entries.length && entries[done]?.state === YAZL_ENTRY_DONE) done++;
  if (done > 0) part.written.push(...entries.splice(0, done));
}

/** yazl's options for every entry: the same for all, so that the same bytes give the same zip. */
function entryOptions(size: number, deflate: boolean) {
  return {
    size,
    compressionLevel: deflate ? TEXT_COMPRESSION_LEVEL : 0,
    // A local-time Date that yazl turns back into the same DOS fields in any time zone.
    mtime: new Date(1980, 0, 1, 0, 0, 0),
    forceDosTimestamp: true,
    mode: 0o100644,
  };
}

function addLeftOut(part: Part, item: LeftOut): void {
  part.leftOut.push({ item: item.item, reason: item.reason });
  part.budget.manifestBytes += leftOutBytes(item);
}

/** What yazl will store for this text: raw deflate at the same level, measured. */
function deflatedBytes(data: Buffer): number {
  return deflateRawSync(data, { level: TEXT_COMPRESSION_LEVEL }).length;
}

/** zlib's bound for raw deflate at the default memory level, plus slack. */
function deflateBound(bytes: number): number {
  return (
    bytes + Math.floor(bytes / 4096) + Math.floor(bytes / 16384) + Math.floor(bytes / 33554432) + 13
  );
}

/**
 * Local header (30 + path), ZIP64 data descriptor (24), central directory record (46 + path)
 * and ZIP64 extra field (28): 128 + 2 × path; 200 leaves room to spare.
 */
function entryOverhead(path: string): number {
  return 2 * Buffer.byteLength(path) + 200;
}

/**
 * One `{"path","size","sha256"}` object in the manifest, indented at depth 2: 144 bytes besides
 * the quoted path at most (a 16-digit size), 160 to spare.
 */
function manifestEntryBytes(path: string): number {
  return jsonBytes(path) + 160;
}

/** One `{"item","reason"}` object: 46 bytes besides the quoted texts. */
function leftOutBytes(item: LeftOut): number {
  return jsonBytes(item.item) + jsonBytes(item.reason) + 64;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value, null, 2));
}

function cap(text: string): string {
  return text.length <= LEFT_OUT_TEXT_CHARS ? text : `${text.slice(0, LEFT_OUT_TEXT_CHARS - 1)}…`;
}

/** "68.4 KiB (70,000 bytes)". */
function describeBytes(bytes: number): string {
  const exact = `${String(bytes).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} bytes`;
  if (bytes < 1024) return exact;
  const exponent = Math.min(Math.floor(Math.log2(bytes) / 10), 4);
  const value = (bytes / 1024 ** exponent).toFixed(1).replace(/\.0$/, '');
  return `${value} ${['', 'KiB', 'MiB', 'GiB', 'TiB'][exponent]} (${exact})`;
}

/** Held bytes of a media entry, which must be as many as its size says. */
function heldData(held: HeldBytes, size: number): Buffer {
  if (held.data.length !== size) {
    throw new Error(`A media entry of ${size} bytes holds ${held.data.length} bytes`);
  }
  return held.data;
}
