/**
 * @module
 * What the renderers hand to the zip part writer: entries with their path in the archive and
 * their exact size known before the first byte is written, so that the writer can decide which
 * part an entry goes to without holding more than one entry's bytes. Text is small and made in
 * memory (a renderer splits a large data type into numbered files of at most
 * `TEXT_CHUNK_BYTES`, less when parts are small); media are streamed from the blob store or come out of the resizer as one
 * image.
 */
import type { Readable } from 'node:stream';

/**
 * Largest text entry a renderer makes when parts are large; larger output is split into
 * numbered files. With small parts the job runner asks for less (`ZipPartWriter.textChunkBytes`).
 */
export const TEXT_CHUNK_BYTES = 4 * 1024 * 1024;

/** Rendered text (JSON, CSV, HTML, the manifest): deflated in the archive. */
export interface TextEntry {
  readonly kind: 'text';
  /** '/'-separated path inside the archive, e.g. `posts/your_posts_1.json`. */
  readonly path: string;
  readonly data: Buffer;
}

/** Media bytes: stored as they are (images and video are compressed already). */
export interface MediaEntry {
  readonly kind: 'media';
  readonly path: string;
  /** Exact length of what `open` yields. */
  readonly size: number;
  /** Opens the bytes; called once, when the writer gets to the entry. */
  open(): Promise<Readable>;
  /**
   * The bytes, when they are in memory already (a scaled image, kept for reuse), with their
   * SHA-256: the writer queues them as it does text instead of streaming and hashing them
   * again. The same bytes as `open` yields.
   */
  readonly held?: HeldBytes;
}

/** Bytes in memory and their SHA-256 (hex), worked out once however often they are written. */
export interface HeldBytes {
  readonly data: Buffer;
  readonly sha256: string;
}

export type ArchiveEntry = TextEntry | MediaEntry;

/** Something the export left out of the archive, and why (listed in a part's `manifest-part-N.json`). */
export interface LeftOut {
  /** The archive path it would have had, or the record it stands for (`media:<id>`). */
  readonly item: string;
  readonly reason: string;
}
