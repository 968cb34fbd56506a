/**
 * @module
 * Renders one data type of one DYI job into the text entries of its archive: JSON (followed
 * by the data type's `schema/<folder>.schema.json`), CSV or HTML (see the writer of each
 * format), or nothing at all for format NONE, which still reports the media to add and the
 * item count for the manifest. Entries are yielded as soon
 * as each file is complete, so a large data type never sits in memory whole; the same
 * content always gives the same bytes.
 */
import type { ContentMember, DataType, Id, MediaRecord } from '../domain/index.js';
import type { ContentReader } from './replayed-content.js';
import { TEXT_CHUNK_BYTES, type TextEntry } from './archive-entry.js';
import { dataTypeFolder } from './archive-paths.js';
import { schemaEntry } from './archive-schema.js';
import { CsvWriter } from './csv-renderer.js';
import { DATA_TYPE_SECTIONS, type Section, type StoredFile } from './data-type-sections.js';
import type { FormatWriter } from './format-writer.js';
import { ConversationHtmlWriter } from './conversation-pages.js';
import { HtmlWriter } from './html-renderer.js';
import { JsonWriter } from './json-renderer.js';
import type { RecordsById } from './records-by-id.js';
import { sectionRows } from './section-rows.js';

export { renderHtmlIndex, type HtmlIndexJob } from './html-index.js';

/** The formats of a single rendering pass (`HTML_AND_JSON` is two passes). */
export type RenderFormat = 'JSON' | 'CSV' | 'HTML' | 'NONE';

export interface RenderScope {
  readonly content: ContentReader;
  readonly communityId: Id;
  /** The member of a user job; null for the company job. */
  readonly member: ContentMember | null;
  /** Unix seconds; records created in `[start, end)`. */
  readonly range: { readonly start: number; readonly end: number };
  /** Checked between batches; its reason is thrown once aborted. */
  readonly signal?: AbortSignal;
  /** The records read by id so far in the job's run: each is read once (`RecordsById`). */
  readonly recordsById?: RecordsById;
  /**
   * Largest text file in bytes before splitting; `TEXT_CHUNK_BYTES` unless set (the job runner
   * sets what fits an empty archive part; tests set small values).
   */
  readonly chunkBytes?: number;
  /**
   * Media left out of the archive, by archive path, with the reason: the HTML pages mark them
   * as missing instead of pointing at a file that is not there, the JSON says `missing: true`.
   */
  readonly missingMedia?: ReadonlyMap<string, string>;
  /** Size and SHA-256 of the media written into the archive, by archive path. */
  readonly storedMedia?: ReadonlyMap<string, StoredFile>;
}

export interface RenderSink {
  /** Called once per attachment occurrence; the caller adds media entries later and dedupes. */
  media(record: MediaRecord): void;
  /** Total records rendered for the data type, called once at the end. */
  items(dataType: DataType, count: number): void;
}

export async function* renderDataType(
  dataType: DataType,
  format: RenderFormat,
  scope: RenderScope,
  sink: RenderSink,
): AsyncIterable<TextEntry> {
  const writer = writerFor(dataType, format, scope.chunkBytes ?? TEXT_CHUNK_BYTES, scope);
  let items = 0;
  let current: Section | undefined;
  // Format NONE writes nothing: its rows are counted, not made.
  const batches = sectionRows(dataType, scope, (media) => sink.media(media), writer === null);
  for await (const batch of batches) {
    if (batch.section !== current) {
      current = batch.section;
      yield* writer?.startSection(current) ?? [];
    }
    for (const row of batch.rows) yield* writer?.writeRow(row) ?? [];
    if (batch.section.detailOf === undefined) items += batch.count;
  }
  yield* writer?.finish() ?? [];
  if (format === 'JSON') yield schemaEntry(dataType);
  sink.items(dataType, items);
}

function writerFor(
  dataType: DataType,
  format: RenderFormat,
  chunkBytes: number,
  scope: RenderScope,
): FormatWriter | null {
  const folder = dataTypeFolder(dataType);
  const { title, sections } = DATA_TYPE_SECTIONS[dataType];
  switch (format) {
    case 'JSON':
      return new JsonWriter(folder, sections, chunkBytes);
    case 'CSV':
      return new CsvWriter(folder, chunkBytes);
    case 'HTML':
      return dataType === 'MESSENGER_V2'
        ? new ConversationHtmlWriter(folder, title, chunkBytes, scope.missingMedia)
        : new HtmlWriter(folder, title, chunkBytes, scope.missingMedia);
    case 'NONE':
      return null;
  }
}
