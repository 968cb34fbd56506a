/**
 * @module
 * The archive's JSON shapes as zod schemas, and the JSON Schema files made from them: one
 * document schema per data type (from its sections' `fields`), the part manifest and the part
 * index. `schemaEntry` is what each archive with JSON holds as `schema/<folder>.schema.json`,
 * generated with `z.toJSONSchema` so that the published schema is the one the code checks
 * against; the same definitions always give the same bytes. docs/archive-format.md describes
 * the same shapes for people.
 */
import { z } from 'zod';
import {
  DATA_TYPES,
  type DataType,
  DYI_FORMATS,
  JOB_TYPES,
  MEDIA_QUALITIES,
} from '../domain/index.js';
import type { TextEntry } from './archive-entry.js';
import { dataTypeFolder } from './archive-paths.js';
import { DATA_TYPE_SECTIONS, type Section } from './data-type-sections.js';
import { MANIFEST_FORMAT } from './zip-part-writer.js';

/** The path of a data type's schema in the archive, e.g. `schema/posts_your_activity.schema.json`. */
export function schemaPath(dataType: DataType): string {
  return `schema/${dataTypeFolder(dataType)}.schema.json`;
}

/**
 * The shape of `json/<folder>.json` (and of each `_2`, `_3` ... piece): every section with a
 * key of its own, a list of rows with exactly the section's fields; a nested section's rows
 * are a list in each parent row instead.
 */
export function dataTypeDocument(dataType: DataType): z.ZodObject {
  const { sections } = DATA_TYPE_SECTIONS[dataType];
  const keyed = sections.filter((section) => section.jsonNesting === undefined);
  return z.strictObject(
    Object.fromEntries(keyed.map((section) => [section.name, z.array(rowOf(section, sections))])),
  );
}

function rowOf(section: Section, sections: readonly Section[]): z.ZodObject {
  const nested = sections.find((other) => other.parentsFrom === section.name && other.jsonNesting);
  const own = z.strictObject(section.fields.shape).describe(section.title);
  if (nested?.jsonNesting === undefined) return own;
  return own.extend({
    [nested.jsonNesting.key]: z
      .array(z.strictObject(nested.fields.shape).describe(nested.title))
      .describe(`${nested.title}, in order`),
  });
}

/** Schema entries made so far: each is the same for every job, and costly to make. */
const schemaEntries = new Map<DataType, TextEntry>();

/** `schema/<folder>.schema.json`: the JSON Schema (draft 2020-12) of the data type's JSON. */
export function schemaEntry(dataType: DataType): TextEntry {
  let entry = schemaEntries.get(dataType);
  if (!entry) {
    entry = makeSchemaEntry(dataType);
    schemaEntries.set(dataType, entry);
  }
  return entry;
}

function makeSchemaEntry(dataType: DataType): TextEntry {
  const document = dataTypeDocument(dataType).meta({
    title: `${DATA_TYPE_SECTIONS[dataType].title} (${dataType})`,
    description: `The shape of json/${dataTypeFolder(dataType)}.json and of its numbered pieces.`,
  });
  const schema = z.toJSONSchema(document, { target: 'draft-2020-12' });
  return {
    kind: 'text',
    path: schemaPath(dataType),
    data: Buffer.from(`${JSON.stringify(schema, null, 2)}\n`),
  };
}

const time = z.iso.datetime();
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** The job-level fields every manifest and the part index carry; others may follow. */
const jobFields = {
  format: z.literal(MANIFEST_FORMAT),
  job_type: z.enum(JOB_TYPES),
  user_id: z.string().nullable(),
  data_types: z.array(z.enum(DATA_TYPES)),
  dyi_format: z.enum(DYI_FORMATS),
  media_quality: z.enum(MEDIA_QUALITIES),
  start_time: time,
  end_time: time,
  item_counts: z.record(z.string(), z.int().nonnegative()),
};

/** `manifest-part-N.json`: what part N holds and what was left out while it was open. */
export const partManifest = z.looseObject({
  ...jobFields,
  part: z.int().positive(),
  /** Only in the last part's manifest. */
  part_count: z.int().positive().optional(),
  entries: z.array(z.strictObject({ path: z.string(), size: z.int().nonnegative(), sha256 })),
  left_out: z.array(z.strictObject({ item: z.string(), reason: z.string() })),
});

/** `parts-index.json`, in the last part: every part of the job (the last without its hash). */
export const partsIndex = z.looseObject({
  ...jobFields,
  part_count: z.int().positive(),
  parts: z.array(
    z.strictObject({
      part: z.int().positive(),
      file_name: z.string().nullable(),
      size: z.int().nonnegative().nullable(),
      sha256: sha256.nullable(),
    }),
  ),
});
