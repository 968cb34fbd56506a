/**
 * @module
 * Copies one table's rows from one database to another through Kysely, whatever the two
 * engines, for `dyi copy`: rows are read in keyset chunks by primary key and written with
 * multi-row `INSERT ... ON CONFLICT DO NOTHING`, keeping every id, so a copy cut short runs
 * again from the start and writes only what is missing. Settings are the exception: the
 * source's value wins over one the target made for itself (a process opened on the empty
 * target makes its own download-link secret).
 */
import { type Kysely, sql } from 'kysely';
import type { CopiedTable } from './copied-tables.js';

/** Bound parameters per INSERT at most (PostgreSQL allows 65,535). */
const MAX_PARAMETERS = 30_000;
/** Rows per chunk at most, so that a chunk of long content records stays a few MB. */
const MAX_ROWS = 500;

export interface TableCopyResult {
  readonly table: string;
  /** Rows read from the source. */
  readonly rows: number;
  /** Rows the target did not have yet (or, for settings, had with another value). */
  readonly written: number;
}

type Row = Record<string, unknown>;

/**
 * Copies `table` from `source` to `target`; `onChunk` hears the rows read so far. Any
 * database's Kysely will do: no types are checked here.
 */
export async function copyTable(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table, any engine
  source: Kysely<any>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table, any engine
  target: Kysely<any>,
  table: CopiedTable,
  onChunk: (rows: number) => void = () => undefined,
): Promise<TableCopyResult> {
  let after: unknown[] | undefined;
  let rows = 0;
  let written = 0;
  for (;;) {
    const chunk = await readChunk(source, table, after);
    if (chunk.length === 0) break;
    written += await writeChunk(target, table, chunk);
    rows += chunk.length;
    onChunk(rows);
    const last = chunk.at(-1) as Row;
    after = table.key.map((column) => last[column]);
  }
  return { table: table.name, rows, written };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table, any engine
async function readChunk(db: Kysely<any>, table: CopiedTable, after?: unknown[]): Promise<Row[]> {
  const key = sql.join(table.key.map((column) => sql.ref(column)));
  const where =
    after === undefined ? sql`` : sql`WHERE (${key}) > (${sql.join(after.map((v) => sql.val(v)))})`;
  const { rows } = await sql<Row>`
    SELECT * FROM ${sql.table(table.name)} ${where} ORDER BY ${key} LIMIT ${sql.lit(MAX_ROWS)}`.execute(
    db,
  );
  return rows;
}

/** Inserts `rows` in statements of at most MAX_PARAMETERS values; answers the rows written. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table, any engine
async function writeChunk(db: Kysely<any>, table: CopiedTable, rows: Row[]): Promise<number> {
  const columns = Object.keys(rows[0] ?? {}).length || 1;
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
  let written = 0;
  for (let start = 0; start < rows.length; start += perStatement) {
    const part = rows.slice(start, start + perStatement);
    const insert = db.insertInto(table.name).values(part);
    const result = await (
      table.name === 'settings'
        ? insert.onConflict((oc) =>
            oc
              .column('key')
              .doUpdateSet({ value: sql.ref('excluded.value') })
              .where(sql.ref('settings.value'), '<>', sql.ref('excluded.value')),
          )
        : insert.onConflict((oc) => oc.doNothing())
    ).executeTakeFirst();
    written += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return written;
}

/** Rows in `table`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table, any engine
export async function countRows(db: Kysely<any>, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`
    SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}
