/**
 * @module
 * What each data type of a DYI archive is made of: its sections (one per record kind, e.g.
 * `your_posts` and `comments`), how each section queries the content store for a job's scope,
 * and how a record becomes an output row. The JSON, CSV and HTML renderers share these
 * definitions, so that the three formats always show the same rows with the same columns.
 *
 * Rows follow a few conventions the renderers rely on:
 * - keys come in the order of `columns` (the JSON key order and the CSV/HTML columns);
 * - times are ISO 8601 UTC strings without fractions (`2024-05-01T09:30:00Z`);
 * - every id of another record comes with what a person knows it by, in the next column:
 *   `group` and `group_name`, `post` and `post_excerpt`, `author` and `author_name` ...;
 * - a column named `attachments` holds media objects (`{uri, original_name, content_type,
 *   size, sha256, created_time}`, or `{uri, ..., missing: true, reason}` for media left out),
 *   which HTML shows as images or links; a column named `url` holds a web address, linked
 *   when it is http(s);
 * - a survey's questions and a response's answers are detail sections, one row each;
 *   other lists (participants, poll options) are lists of text.
 *
 * Company job (no member): profile-like kinds whole, the rest in the range. User job: the
 * member's own records in the range, its profile whole. A user section asked for a company
 * scope has no rows (the job split never asks for it).
 */
import type { DataType } from '../domain/index.js';
import { COMPANY_SECTIONS } from './company-sections.js';
import { MEMBER_SECTIONS } from './member-sections.js';
import type { DataTypeSections } from './section-model.js';

export type {
  DataTypeSections,
  JsonNesting,
  JsonValue,
  Reference,
  Related,
  Row,
  Section,
  SectionScope,
  StoredFile,
} from './section-model.js';
export { isoTime } from './section-model.js';

export const DATA_TYPE_SECTIONS: Readonly<Record<DataType, DataTypeSections>> = {
  ...COMPANY_SECTIONS,
  ...MEMBER_SECTIONS,
};
