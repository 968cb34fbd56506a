/**
 * @module
 * The SELECTs of content queries, the same on every SQL engine but for how a list of values is
 * bound (`ContentSqlDialect`). Parameters are `?` placeholders in the order given; an engine
 * that numbers them (PostgreSQL's `$1`) renumbers the text (`numberPlaceholders`).
 *
 * A query is one selection of the (created_time, id) keys of matching records, or two with
 * `involving`: the records the member owns, and those that list it besides an owner. Pages
 * follow the keyset (created_time, id): each selection finds its first keys in index order,
 * mostly from the index alone; only the page's rows are then read whole.
 */
import type { ContentQuery } from '../../ports/content-store.js';

/** Records per read: bounds memory however many records a query matches. */
export const CONTENT_PAGE_SIZE = 500;

/** What differs between engines in the text of a content query. */
export interface ContentSqlDialect {
  /** A table expression of one column, `value`, holding the list bound at its one `?`. */
  readonly listTable: string;
  /** The list as that `?` takes it. */
  bindList(values: readonly string[]): unknown;
  /**
   * The inner join of a list or of `content_involves` with `content_records` (with `ON`):
   * SQLite's `CROSS JOIN` keeps the order written, which its planner would get wrong without
   * statistics; PostgreSQL plans the order itself.
   */
  readonly keysJoin: string;
  /**
   * Joins the page's keys `k` to their records `r` (column `data`), community and kind bound at
   * two `?`: a lookup of each key in the primary key.
   */
  readonly recordsJoin: string;
}

/** One SELECT of the (created_time, id) keys of matching records. */
export interface ContentSelection {
  readonly sql: string;
  /** The alias whose (created_time, id) an index holds, to page and order by. */
  readonly keys: 'r' | 'i';
  readonly parameters: readonly unknown[];
}

/** A list condition on a column, bound as one parameter: no limit of bound values to chunk by. */
interface ListCondition {
  readonly column: 'id' | 'parent';
  readonly values: unknown;
}

/**
 * The selections of a query. `paged`: the range's start is left to the keyset of each page
 * (given as a condition too, SQLite would seek every page from the range's start).
 */
export function contentSelections(
  dialect: ContentSqlDialect,
  community: number,
  query: ContentQuery,
  paged: boolean,
): ContentSelection[] {
  const conditions = ['r.community_id = ?', 'r.kind = ?'];
  const parameters: unknown[] = [community, query.kind];
  if (query.owner !== undefined) {
    conditions.push('r.owner = ?');
    parameters.push(query.owner);
  }
  if (query.range !== undefined) {
    conditions.push(paged ? 'r.created_time < ?' : 'r.created_time >= ? AND r.created_time < ?');
    parameters.push(...(paged ? [] : [query.range.start]), query.range.end);
  }
  const lists: ListCondition[] = [];
  if (query.ids) lists.push({ column: 'id', values: dialect.bindList(query.ids) });
  if (query.parents) lists.push({ column: 'parent', values: dialect.bindList(query.parents) });
  const inLists = (of: readonly ListCondition[]): string =>
    of.map(({ column }) => ` AND r.${column} IN (SELECT value FROM ${dialect.listTable})`).join('');
  const where = conditions.join(' AND ');

  // A list drives index lookups; walking the time index instead reads the whole kind.
  const [driver, ...others] = lists;
  const records: ContentSelection = driver
    ? {
        sql: `SELECT r.created_time, r.id
              FROM (SELECT DISTINCT value FROM ${dialect.listTable}) AS v
                ${dialect.keysJoin} content_records r ON r.${driver.column} = v.value
              WHERE ${where}${inLists(others)}`,
        keys: 'r',
        parameters: [driver.values, ...parameters, ...others.map((list) => list.values)],
      }
    : {
        sql: `SELECT r.created_time, r.id FROM content_records r WHERE ${where}`,
        keys: 'r',
        parameters,
      };
  if (query.involving === undefined) return [records];
  return [
    {
      ...records,
      sql: `${records.sql} AND r.owner = ?`,
      parameters: [...records.parameters, query.involving],
    },
    {
      sql: `SELECT i.created_time, i.id FROM content_involves i
              ${dialect.keysJoin} content_records r
                ON r.community_id = i.community_id AND r.kind = i.kind AND r.id = i.id
            WHERE i.community_id = ? AND i.kind = ? AND i.member = ? AND ${where}${inLists(lists)}`,
      keys: 'i',
      parameters: [
        community,
        query.kind,
        query.involving,
        ...parameters,
        ...lists.map((list) => list.values),
      ],
    },
  ];
}

/**
 * A page of records from a (created_time, id) key on: the first page from (start, '') on,
 * which every id follows, the next ones after the last key read. Its parameters: each
 * selection's followed by the key, then the community and the kind. Columns: created_time,
 * id, data.
 */
export function contentPageSql(
  dialect: ContentSqlDialect,
  selections: readonly ContentSelection[],
  isFirst: boolean,
): string {
  const pages = selections.map(
    ({ sql, keys }, n) =>
      `SELECT * FROM (${sql} AND (${keys}.created_time, ${keys}.id) ${isFirst ? '>=' : '>'} (?, ?)
         ORDER BY ${keys}.created_time, ${keys}.id LIMIT ${CONTENT_PAGE_SIZE}) AS s${n}`,
  );
  return `SELECT k.created_time, k.id, r.data
    FROM (SELECT * FROM (${pages.join(' UNION ')}) AS u
          ORDER BY created_time, id LIMIT ${CONTENT_PAGE_SIZE}) AS k
      ${dialect.recordsJoin}
    ORDER BY k.created_time, k.id`;
}

/** The parameters of a page from key `from` on (see `contentPageSql`). */
export function contentPageParameters(
  selections: readonly ContentSelection[],
  from: readonly [number, string],
  community: number,
  kind: string,
): unknown[] {
  return [
    ...selections.flatMap((selection) => [...selection.parameters, ...from]),
    community,
    kind,
  ];
}

/** The number of records the selections match, with its parameters. */
export function contentCountSql(selections: readonly ContentSelection[]): {
  sql: string;
  parameters: unknown[];
} {
  // UNION, not UNION ALL: a record may involve a member twice over (as owner and listed).
  const union = selections.map((selection) => selection.sql).join(' UNION ');
  return {
    sql: `SELECT count(*) AS n FROM (${union}) AS u`,
    parameters: selections.flatMap((selection) => [...selection.parameters]),
  };
}

/** Which of a list of ids exist, of one kind, in one community; parameters: community, kind, list. */
export function existingIdsSql(dialect: ContentSqlDialect): string {
  return `SELECT id FROM content_records
          WHERE community_id = ? AND kind = ? AND id IN (SELECT value FROM ${dialect.listTable})`;
}

/** `?` placeholders as `$1`, `$2` ... (none of our texts has a `?` of its own). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
