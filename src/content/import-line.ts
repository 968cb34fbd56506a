/**
 * @module
 * What one valid import line becomes: the domain record of its kind, except that a media line
 * still names its `file` instead of the size, SHA-256 and blob key the importer fills in once
 * it has stored the bytes. `LineSchemas` ties each kind's schema to exactly that type.
 */
import type { z } from 'zod';
import type { ContentKind, ContentRecordOf, MediaRecord } from '../domain/index.js';

/** A media line as written: the bytes are still a file next to the NDJSON file. */
export interface MediaLine extends Omit<MediaRecord, 'size' | 'sha256' | 'blob_key'> {
  /** Path relative to the folder of the NDJSON file, never outside it. */
  readonly file: string;
}

/** What one valid line becomes: the domain record, or a media line still to be stored. */
export type ImportLine = Exclude<ContentRecordOf<ContentKind>, MediaRecord> | MediaLine;
export type LineOf<K extends ContentKind> = K extends 'media' ? MediaLine : ContentRecordOf<K>;

/** Schemas of the kinds `K`, each producing exactly the line of its kind. */
export type LineSchemas<K extends ContentKind> = { readonly [P in K]: z.ZodType<LineOf<P>> };
