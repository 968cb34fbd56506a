/**
 * @module
 * Resolves a Graph request against the node types: picks the selected (or default) fields,
 * loads objects and edges, and shapes paged lists as `{data, paging, summary}` with opaque
 * keyset cursors and absolute `next`/`previous` links. `id` always comes back, like Graph.
 */
import { type Id, ValidationError } from '../domain/index.js';
import { encodeCursor, decodeCursor } from '../graph/cursor.js';
import { type FieldSelection, formatFields } from '../graph/fields-parser.js';
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

/** A node's selected fields; unknown fields are a ValidationError naming the node type. */
export async function resolveNode(
  type: NodeType,
  node: unknown,
  selections: readonly FieldSelection[],
  ctx: GraphContext,
  sizes: PageSizes,
): Promise<GraphObject> {
  const withId = effectiveSelection(type, selections);
  // Most fields are plain values: only the ones that load something are awaited.
  const values = withId.map((selection) => resolveField(type, node, selection, ctx, sizes));
  const settled = values.some(isPromise) ? await Promise.all(values) : values;
  const result: GraphObject = {};
  withId.forEach((selection, index) => {
    const fieldValue = settled[index];
    if (fieldValue !== null && fieldValue !== undefined) result[selection.name] = fieldValue;
  });
  return result;
}

function isPromise(value: unknown): value is Promise<unknown> {
  return value instanceof Promise;
}

/** Checked selections per node type, kept with the (shared, parsed-once) selection list. */
const checkedSelections = new WeakMap<
  readonly FieldSelection[],
  Map<NodeType, readonly FieldSelection[]>
>();
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
): readonly FieldSelection[] {
  const key = selections.length > 0 ? selections : NO_SELECTION;
  let byType = checkedSelections.get(key);
  const known = byType?.get(type);
  if (known) return known;
  const chosen: readonly FieldSelection[] =
    selections.length > 0 ? selections : type.defaultFields.map((name) => ({ name }));
  const withId = chosen.some((s) => s.name === 'id') ? chosen : [{ name: 'id' }, ...chosen];
  for (const selection of withId) checkField(type, selection);
  if (!byType) {
    byType = new Map();
    checkedSelections.set(key, byType);
  }
  byType.set(type, withId);
  return withId;
}

function checkField(type: NodeType, selection: FieldSelection): void {
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
}

/** A field's value, or a promise of it when it has to load something. */
function resolveField(
  type: NodeType,
  node: unknown,
  selection: FieldSelection,
  ctx: GraphContext,
  sizes: PageSizes,
): unknown {
  const field = fieldOf(type, selection.name);
  if (!field) return undefined;
  if (field.kind === 'value') return field.get(node, ctx);
  return resolveLoadedField(field, type, node, selection, ctx, sizes);
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
    case 'object': {
      const child = await field.get(node, ctx);
      if (child === null || child === undefined) return undefined;
      return resolveNode(field.type(), child, selection.children ?? ID_ONLY, ctx, sizes);
    }
    case 'edge': {
      const limit = Math.min(selection.limit ?? sizes.defaultPageSize, sizes.maxPageSize);
      const edgeType = field.type();
      const children = selection.children ?? [];
      const page = await field.list(node, { limit: Math.max(limit, 1) }, ctx);
      const nodeId = type.id(node);
      return shapeList(edgeType, page, children, ctx, sizes, {
        link: (cursor) =>
          ctx.options.link(nodeId, selection.name, {
            ...(children.length > 0 && { fields: formatFields(children) }),
            limit: String(limit),
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
    if (!/^\d{1,9}$/.test(params.limit) || Number(params.limit) < 1) {
      throw new ValidationError(
        'limit',
        `limit must be a whole number from 1 to ${sizes.maxPageSize} (larger values are capped); got ${JSON.stringify(params.limit)}`,
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
  /** An absolute link to the same list at a cursor. */
  link(cursor: { after: string } | { before: string }): string;
  summary: (() => Promise<number>) | undefined;
}

/** `{data, paging, summary}` for one page of an edge. */
export async function shapeList(
  type: NodeType,
  page: Page<{ id: Id }>,
  selections: readonly FieldSelection[],
  ctx: GraphContext,
  sizes: PageSizes,
  shape: ListShape,
): Promise<GraphObject> {
  const data = await Promise.all(
    page.items.map((item) => resolveNode(type, item, selections, ctx, sizes)),
  );
  const result: GraphObject = { data };
  const first = page.items[0];
  const last = page.items.at(-1);
  if (first && last) {
    const before = encodeCursor(first.id);
    const after = encodeCursor(last.id);
    result.paging = {
      cursors: { before, after },
      ...(page.hasPrevious && { previous: shape.link({ before }) }),
      ...(page.hasNext && { next: shape.link({ after }) }),
    };
  }
  if (shape.summary) result.summary = { total_count: await shape.summary() };
  return result;
}
