/**
 * @module
 * Resolves a Graph request against the node types: picks the selected (or default) fields,
 * loads objects and edges, and shapes paged lists as `{data, paging, summary}` with opaque
 * keyset cursors and absolute `next`/`previous` links. `id` always comes back, like Graph.
 * Every object resolved and every byte of answer built is counted against the request's
 * budget (`ctx.budget`), and `estimateNode` weighs a request before any of it is loaded.
 */
import { type Id, ValidationError } from '../domain/index.js';
import { encodeCursor, decodeCursor } from '../graph/cursor.js';
import { type FieldSelection, formatFields } from '../graph/fields-parser.js';
import { compileObjectWriter, type ObjectWriter, ResolvedObject } from '../graph/graph-json.js';
import { type CostEstimate, fieldBytes } from '../graph/request-budget.js';
import { type MaybePromise, thenMaybe } from '../ports/maybe-promise.js';
import type { Page, PageRequest } from '../ports/paging.js';
import type { GraphContext } from './graph-context.js';
import { type FieldDefinition, fieldOf, type NodeType } from './graph-nodes.js';

export interface PagingParams {
  readonly limit?: string | undefined;
  readonly after?: string | undefined;
  readonly before?: string | undefined;
}

export interface PageSizes {
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
}

export type GraphObject = Record<string, unknown>;

/**
 * A node's selected fields; unknown fields are a ValidationError naming the node type. Comes
 * back at once when no field has to load anything (nearly every item of a page), so that a
 * page of plain values costs no promise per item.
 */
export function resolveNode(
  type: NodeType,
  node: unknown,
  selections: readonly FieldSelection[],
  ctx: GraphContext,
  sizes: PageSizes,
): ResolvedObject | Promise<ResolvedObject> {
  if (ctx.budget.addObject()) {
    return new Promise(setImmediate).then(() => resolveFields(type, node, selections, ctx, sizes));
  }
  return resolveFields(type, node, selections, ctx, sizes);
}

function resolveFields(
  type: NodeType,
  node: unknown,
  selections: readonly FieldSelection[],
  ctx: GraphContext,
  sizes: PageSizes,
): ResolvedObject | Promise<ResolvedObject> {
  const checked = effectiveSelection(type, selections);
  // Most fields are plain values: only the ones that load something are awaited.
  const { definitions } = checked;
  const values = checked.fields.map((selection, index) =>
    resolveField(definitions[index] as FieldDefinition<unknown>, type, node, selection, ctx, sizes),
  );
  return values.some(isPromise)
    ? Promise.all(values).then((settled) => resolvedObject(checked, settled, ctx))
    : resolvedObject(checked, values, ctx);
}

function resolvedObject(
  checked: CheckedSelection,
  values: readonly unknown[],
  ctx: GraphContext,
): ResolvedObject {
  let bytes = 2;
  checked.fields.forEach((selection, index) => {
    const fieldValue = values[index];
    if (fieldValue === null || fieldValue === undefined) return;
    // Nested objects and lists counted their own bytes when they were resolved.
    const isNested = typeof fieldValue === 'object' && !Array.isArray(fieldValue);
    bytes += isNested ? selection.name.length + 4 : fieldBytes(selection.name, fieldValue);
  });
  ctx.budget.addBytes(bytes);
  return new ResolvedObject(checked.names, values, checked.writer);
}

/** Resolves every item of a page; a refusal of one item is a rejection, as when each was async. */
function resolveItems(
  type: NodeType,
  items: readonly unknown[],
  selections: readonly FieldSelection[],
  ctx: GraphContext,
  sizes: PageSizes,
): (ResolvedObject | Promise<ResolvedObject>)[] {
  return items.map((item) => {
    try {
      return resolveNode(type, item, selections, ctx, sizes);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as thrown
      return Promise.reject(error);
    }
  });
}

/**
 * The worst case of resolving `selections` on one node of `type`: every list full to its
 * (capped) limit, multiplied down the nesting. Checks the fields exist on the way, so a typo
 * is still a code 100 and not a cost refusal.
 */
export function estimateNode(
  type: NodeType,
  selections: readonly FieldSelection[],
  sizes: PageSizes,
): CostEstimate {
  let objects = 1;
  let depth = 0;
  const { fields, definitions } = effectiveSelection(type, selections);
  for (let index = 0; index < fields.length; index++) {
    const selection = fields[index] as FieldSelection;
    const field = definitions[index] as FieldDefinition<unknown>;
    if (field.kind === 'value') continue;
    const isEdge = field.kind === 'edge';
    const child = estimateNode(
      field.type(),
      selection.children ?? (isEdge ? NO_SELECTION : ID_ONLY),
      sizes,
    );
    objects += (isEdge ? edgeLimit(selection, sizes) : 1) * child.objects;
    depth = Math.max(depth, child.depth + 1);
  }
  return { objects, depth };
}

/** Items a `.limit(n)` edge expansion asks for, capped like a page. */
function edgeLimit(selection: FieldSelection, sizes: PageSizes): number {
  return Math.min(selection.limit ?? sizes.defaultPageSize, sizes.maxPageSize);
}

type EdgeField = Extract<FieldDefinition<unknown>, { kind: 'edge' }>;

/**
 * One page of an edge. `limit` 0 is Graph's count-only idiom (`.limit(0).summary(true)`):
 * no items, but whether there are any, so that `next` can point at the first real page.
 */
export function listPage(
  field: EdgeField,
  node: unknown,
  page: PageRequest,
  ctx: GraphContext,
): MaybePromise<Page<{ id: Id }>> {
  return page.limit > 0
    ? field.list(node, page, ctx)
    : thenMaybe(field.list(node, { ...page, limit: 1 }, ctx), (probe) => ({
        items: [],
        hasPrevious: false,
        hasNext: probe.items.length > 0,
      }));
}

function isPromise(value: unknown): value is Promise<unknown> {
  return value instanceof Promise;
}

/**
 * A selection checked against a node type, `id` first, with the names of its fields and the
 * writer of an object of them (compiled once, like the check, per selection and type).
 */
interface CheckedSelection {
  readonly fields: readonly FieldSelection[];
  /** The definition of each field, in the same order: looked up once, not per node. */
  readonly definitions: readonly FieldDefinition<unknown>[];
  readonly names: readonly string[];
  readonly writer: ObjectWriter;
}

/** Checked selections per node type, kept with the (shared, parsed-once) selection list. */
const checkedSelections = new WeakMap<readonly FieldSelection[], Map<NodeType, CheckedSelection>>();
const NO_SELECTION: readonly FieldSelection[] = [];
/** An object field not expanded returns `{id}`. */
const ID_ONLY: readonly FieldSelection[] = [{ name: 'id' }];

/**
 * The fields to resolve on a node: the selection (or the type's defaults) with `id` first
 * when missing, each checked to exist. Kept per selection list and type, since every item of
 * a page, and every request with the same `fields`, asks again.
 */
function effectiveSelection(
  type: NodeType,
  selections: readonly FieldSelection[],
): CheckedSelection {
  const key = selections.length > 0 ? selections : NO_SELECTION;
  let byType = checkedSelections.get(key);
  const known = byType?.get(type);
  if (known) return known;
  const chosen: readonly FieldSelection[] =
    selections.length > 0 ? selections : type.defaultFields.map((name) => ({ name }));
  const withId = chosen.some((s) => s.name === 'id') ? chosen : [{ name: 'id' }, ...chosen];
  const definitions = withId.map((selection) => checkField(type, selection));
  const names = withId.map((selection) => selection.name);
  const checked: CheckedSelection = {
    fields: withId,
    definitions,
    names,
    writer: compileObjectWriter(names),
  };
  if (!byType) {
    byType = new Map();
    checkedSelections.set(key, byType);
  }
  byType.set(type, checked);
  return checked;
}

/** The definition of a selected field; a ValidationError when it is none or misused. */
function checkField(type: NodeType, selection: FieldSelection): FieldDefinition<unknown> {
  const field = fieldOf(type, selection.name);
  if (!field) {
    throw new ValidationError(
      'fields',
      `Tried accessing nonexisting field (${selection.name}) on node type (${type.name})`,
    );
  }
  const modified = selection.limit !== undefined || selection.summary !== undefined;
  if (field.kind !== 'edge' && modified) {
    throw new ValidationError(
      'fields',
      `Field (${selection.name}) on node type (${type.name}) is not a list; .limit() and .summary() apply to edges only`,
    );
  }
  if (field.kind === 'value' && selection.children) {
    throw new ValidationError(
      'fields',
      `Field (${selection.name}) on node type (${type.name}) is a value and cannot be expanded with {}`,
    );
  }
  return field;
}

/** A field's value, or a promise of it when it has to load something. */
function resolveField(
  field: FieldDefinition<unknown>,
  type: NodeType,
  node: unknown,
  selection: FieldSelection,
  ctx: GraphContext,
  sizes: PageSizes,
): unknown {
  if (field.kind === 'value') return field.get(node, ctx);
  if (field.kind === 'object') {
    const child = field.get(node, ctx);
    if (!(child instanceof Promise)) return resolveChild(field, child, selection, ctx, sizes);
  }
  return resolveLoadedField(field, type, node, selection, ctx, sizes);
}

/**
 * An object field whose node is loaded: resolved without a promise when it can be, a failure
 * a rejection as when the node had to load.
 */
function resolveChild(
  field: Extract<FieldDefinition<unknown>, { kind: 'object' }>,
  child: unknown,
  selection: FieldSelection,
  ctx: GraphContext,
  sizes: PageSizes,
): unknown {
  if (child === null || child === undefined) return undefined;
  try {
    return resolveNode(field.type(), child, selection.children ?? ID_ONLY, ctx, sizes);
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as thrown
    return Promise.reject(error);
  }
}

async function resolveLoadedField(
  field: Exclude<FieldDefinition<unknown>, { kind: 'value' }>,
  type: NodeType,
  node: unknown,
  selection: FieldSelection,
  ctx: GraphContext,
  sizes: PageSizes,
): Promise<unknown> {
  switch (field.kind) {
    case 'object':
      return resolveChild(field, await field.get(node, ctx), selection, ctx, sizes);
    case 'edge': {
      const limit = edgeLimit(selection, sizes);
      const edgeType = field.type();
      const children = selection.children ?? [];
      const page = await listPage(field, node, { limit }, ctx);
      const nodeId = type.id(node);
      return shapeList(edgeType, page, children, ctx, sizes, {
        link: (cursor) =>
          ctx.options.link(nodeId, selection.name, {
            ...(children.length > 0 && { fields: formatFields(children) }),
            // A count-only expansion's `next` is the first page at the default size.
            ...(limit > 0 && { limit: String(limit) }),
            ...cursor,
          }),
        summary: selection.summary === true ? () => field.count(node, ctx) : undefined,
      });
    }
  }
}

/** The store's page request for `limit`, `after` and `before` query parameters. */
export function pageRequest(params: PagingParams, sizes: PageSizes): PageRequest {
  let limit = sizes.defaultPageSize;
  if (params.limit !== undefined) {
    if (!/^\d{1,9}$/.test(params.limit)) {
      throw new ValidationError(
        'limit',
        `limit must be a whole number from 0 to ${sizes.maxPageSize} (larger values are capped; 0 gives no items, only summary and paging); got ${JSON.stringify(params.limit)}`,
      );
    }
    limit = Math.min(Number(params.limit), sizes.maxPageSize);
  }
  if (params.after !== undefined && params.before !== undefined) {
    throw new ValidationError('after', 'Pass either after or before, not both');
  }
  return {
    limit,
    after: params.after === undefined ? undefined : decodeCursor(params.after, 'after'),
    before: params.before === undefined ? undefined : decodeCursor(params.before, 'before'),
  };
}

export interface ListShape {
  /** An absolute link to the same list at a cursor (none: where this page started). */
  link(cursor?: { after: string } | { before: string }): string;
  summary: (() => Promise<number>) | undefined;
}

/**
 * `{data, paging, summary}` for one page of an edge; at once, without a promise, when every
 * item resolved from what was already loaded and no summary is asked for.
 */
export function shapeList(
  type: NodeType,
  page: Page<{ id: Id }>,
  selections: readonly FieldSelection[],
  ctx: GraphContext,
  sizes: PageSizes,
  shape: ListShape,
): GraphObject | Promise<GraphObject> {
  const data = resolveItems(type, page.items, selections, ctx, sizes);
  return data.some(isPromise)
    ? Promise.all(data.map((item) => Promise.resolve(item))).then((settled) =>
        listObject(settled, page, ctx, shape),
      )
    : listObject(data, page, ctx, shape);
}

function listObject(
  data: readonly unknown[],
  page: Page<{ id: Id }>,
  ctx: GraphContext,
  shape: ListShape,
): GraphObject | Promise<GraphObject> {
  const result: GraphObject = { data };
  const first = page.items[0];
  const last = page.items.at(-1);
  if (first && last) {
    const before = encodeCursor(first.id);
    const after = encodeCursor(last.id);
    const previous = page.hasPrevious ? shape.link({ before }) : undefined;
    const next = page.hasNext ? shape.link({ after }) : undefined;
    result.paging = {
      cursors: { before, after },
      ...(previous !== undefined && { previous }),
      ...(next !== undefined && { next }),
    };
    ctx.budget.addBytes(LIST_BYTES + before.length + after.length + linkBytes(previous, next));
  } else if (page.hasNext) {
    // A count-only page (limit 0): no cursors, and `next` where the items start.
    const next = shape.link();
    result.paging = { next };
    ctx.budget.addBytes(LIST_BYTES + next.length);
  }
  if (!shape.summary) return result;
  return shape.summary().then((total) => {
    result.summary = { total_count: total };
    return result;
  });
}

/** `{"data":[],"paging":{"cursors":{"before":"","after":""},"previous":"","next":""}}` and commas. */
const LIST_BYTES = 80;

function linkBytes(previous: string | undefined, next: string | undefined): number {
  return (previous?.length ?? 0) + (next?.length ?? 0);
}
