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
 * - a column named `attachments` holds archive paths of media (`media/...`), which HTML shows
 *   as images or links; a column named `url` holds a web address, linked when it is http(s);
 * - nested values (survey questions and answers, poll options) stay structured: JSON keeps
 *   them, CSV writes them as compact JSON, HTML as a list.
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
  JsonValue,
  Reference,
  Related,
  Row,
  Section,
  SectionScope,
} from './section-model.js';
export { isoTime } from './section-model.js';

export const DATA_TYPE_SECTIONS: Readonly<Record<DataType, DataTypeSections>> = {
  ...COMPANY_SECTIONS,
  ...MEMBER_SECTIONS,
};
