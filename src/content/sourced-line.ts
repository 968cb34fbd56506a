/**
 * @module
 * A valid import line together with the file and line number it came from, so that every
 * later check can point to it as `file:line`.
 */
import type { ContentKind } from '../domain/index.js';
import type { ImportLine, MediaLine } from './import-line.js';

/** A valid line and where it came from. */
export interface SourcedLine {
  readonly line: ImportLine;
  readonly file: string;
  readonly lineNumber: number;
}

/** A media line, whose `file` is still to be found and stored. */
export type SourcedMediaLine = SourcedLine & { line: MediaLine };

/** The lines of an import by kind, then by id: what the import itself defines. */
export type LinesByKind = ReadonlyMap<ContentKind, ReadonlyMap<string, SourcedLine>>;

export function where(line: SourcedLine): string {
  return `${line.file}:${line.lineNumber}`;
}

export function isMedia(sourced: SourcedLine): sourced is SourcedMediaLine {
  return sourced.line.type === 'media';
}

/** One key per record of an import: ids are unique per type. */
export function recordKey(type: string, id: string): string {
  return `${type}\u0000${id}`;
}
