/**
 * @module
 * The Graph routes: `/` (multi-id reads and the Batch API), `/{id}` and `/{id}/{edge}`.
 * Graph dispatches on what an id names, not on the path's shape, so three Fastify routes
 * cover every endpoint and the node types in `graph-nodes.ts` decide what each one serves.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import {
  type Id,
  NotFoundError,
  type Permission,
  PermissionDeniedError,
  type Principal,
  UnknownPathError,
  UnsupportedOperationError,
  ValidationError,
} from '../domain/index.js';
import { type FieldSelection, parseFields } from '../graph/fields-parser.js';
import { graphJson } from '../graph/graph-json.js';
import { type CostEstimate, RequestBudget } from '../graph/request-budget.js';
import type { UsageLedger } from '../graph/usage-ledger.js';
import { type MaybePromise, thenMaybe } from '../ports/maybe-promise.js';
import type { Runtime } from '../runtime.js';
import type { AnswerMemo } from './answer-memo.js';
import { batchBudgetOf, isBatchItem, runBatch } from './batch.js';
import { GraphContext } from './graph-context.js';
import {
  communityNode,
  exportNode,
  fieldOf,
  fileNode,
  jobNode,
  type NodeType,
  userNode,
} from './graph-nodes.js';
import { subscriptionsEdge } from './graph-subscriptions.js';
import { effectiveMethod, graphParams, requestedVersion, stringParam } from './graph-request.js';
import {
  estimateNode,
  listPage,
  type PageSizes,
  pageRequest,
  resolveNode,
  shapeList,
} from './graph-resolver.js';
import { integrationAuditContext } from './audit-context.js';

/** A node read by id, with its type. */
interface LoadedNode {
  readonly type: NodeType;
  readonly node: unknown;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The cost budget of a Graph read; the app charges its `calls` to the usage meters. */
    graphBudget?: RequestBudget;
  }
}

export interface GraphRouteDeps {
  readonly runtime: Runtime;
  /** Resolves and meters the caller; set by the app's authentication hook. */
  readonly principalOf: (request: FastifyRequest) => Principal;
  /** Rate limits: exports created per community are counted here. */
  readonly usage: UsageLedger;
  /** Answers of repeated reads, given again while they cannot differ; none when off. */
  readonly answers?: AnswerMemo;
}

/** The content type Fastify gives a JSON answer, set by hand when the answer is already text. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Query parameters that belong to the request, not to the list, and so stay out of links. */
const LINK_PARAMS = ['access_token', 'appsecret_proof', 'appsecret_time', 'date_format'] as const;

export function registerGraphRoutes(app: FastifyInstance, deps: GraphRouteDeps): void {
  const { runtime, answers } = deps;
  const sizes: PageSizes = runtime.config;
  const methods: HTTPMethods[] = ['GET', 'POST', 'DELETE'];

  const contextFor = (
    request: FastifyRequest,
    timeRange?: { since?: number; until?: number },
  ): GraphContext => {
    const params = graphParams(request);
    const dateFormat = stringParam(params, 'date_format');
    if (dateFormat !== undefined && dateFormat !== 'U') {
      throw new ValidationError('date_format', 'date_format supports only U (Unix seconds).');
    }
    const budget = (request.graphBudget ??= new RequestBudget(
      runtime.config,
      batchBudgetOf(request),
    ));
    return new GraphContext(runtime, deps.principalOf(request), {
      dates: dateFormat === 'U' ? 'unix' : 'iso',
      budget,
      ...(timeRange && { timeRange }),
      link: (nodeId, edge, linkParams) => {
        const version = requestedVersion(request);
        const url = new URL(
          `${runtime.config.publicUrl}${version ? `/${version}` : ''}/${nodeId}/${edge}`,
        );
        const query = request.query as Record<string, unknown>;
        for (const name of LINK_PARAMS) {
          const value = stringParam(query, name);
          if (value !== undefined) url.searchParams.set(name, value);
        }
        for (const [name, value] of Object.entries(linkParams)) {
          if (value !== undefined) url.searchParams.set(name, value);
        }
        return url.toString();
      },
    });
  };

  /** Refuses, before any loading, what `fields` would make too big or too deep. */
  const plan = (ctx: GraphContext, estimates: readonly CostEstimate[]): void => {
    ctx.budget.plan({
      objects: estimates.reduce((sum, e) => sum + e.objects, 0),
      depth: Math.max(0, ...estimates.map((e) => e.depth)),
    });
  };

  const need = (request: FastifyRequest, permission: Permission): Principal => {
    const principal = deps.principalOf(request);
    if (!principal.permissions.includes(permission)) throw new PermissionDeniedError(permission);
    return principal;
  };

  /**
   * The node an id names in the caller's community, or NotFoundError; without a promise when
   * the store answers at once (a read its cache had).
   */
  const loadNode = (
    ctx: GraphContext,
    id: Id,
    method: 'get' | 'post' | 'delete',
  ): MaybePromise<LoadedNode> => {
    if (id === 'community') {
      return thenMaybe(runtime.communities.get(ctx.communityId), (node) => ({
        type: communityNode,
        node,
      }));
    }
    return thenMaybe(runtime.metadata.findObject(id), (found) => {
      if (!found || found.communityId !== ctx.communityId) throw new NotFoundError(id, method);
      switch (found.kind) {
        case 'community':
          return thenMaybe(runtime.communities.get(id), (node) => ({ type: communityNode, node }));
        case 'work_dyi_job':
          return thenMaybe(ctx.exportJob(id), (node) => ({ type: exportNode, node }));
        case 'dyi_job':
          return thenMaybe(runtime.jobs.get(ctx.communityId, id), (node) => ({
            type: jobNode,
            node,
          }));
        case 'dyi_file':
          return thenMaybe(runtime.jobs.getFile(ctx.communityId, id), (node) => ({
            type: fileNode,
            node,
          }));
        case 'integration':
        case 'access_token':
        case 'member':
          throw new NotFoundError(id, method);
      }
    });
  };

  app.route({
    method: methods,
    url: '/',
    handler: async (request, reply) => {
      const params = graphParams(request);
      const method = effectiveMethod(request, params);
      if (method === 'POST' && params.batch !== undefined) {
        return runBatch(app, request, params, runtime.config);
      }
      if (method !== 'GET') {
        throw new UnsupportedOperationError(
          `Unsupported ${method.toLowerCase()} request: ${method} / takes a batch parameter (POST) or nothing.`,
        );
      }
      need(request, 'read_company_data_exports');
      const ids = stringParam(params, 'ids');
      if (ids === undefined || ids.trim() === '') {
        throw new ValidationError(
          'ids',
          'Missing parameter ids: pass ids=<id>,<id> to read several objects.',
        );
      }
      const ctx = contextFor(request);
      const fields = parseFields(stringParam(params, 'fields'));
      const list = [
        ...new Set(
          ids
            .split(',')
            .map((id) => id.trim())
            .filter(Boolean),
        ),
      ];
      if (list.length > 50) throw new ValidationError('ids', 'ids may name at most 50 objects.');
      const nodes = await Promise.all(list.map((id) => Promise.resolve(loadNode(ctx, id, 'get'))));
      plan(
        ctx,
        nodes.map(({ type }) => estimateNode(type, fields, sizes)),
      );
      const entries = await Promise.all(
        nodes.map(async ({ type, node }, i) => [
          list[i],
          await resolveNode(type, node, fields, ctx, sizes),
        ]),
      );
      return reply.send(Object.fromEntries(entries));
    },
  });

  const deleteNode = async (request: FastifyRequest, id: Id): Promise<{ success: true }> => {
    const principal = need(request, 'manage_company_data_exports');
    const ctx = contextFor(request);
    const { type } = await loadNode(ctx, id, 'delete');
    if (type !== exportNode) throw new NotFoundError(id, 'delete');
    await runtime.exports.delete(
      principal.communityId,
      id,
      integrationAuditContext(request, principal),
    );
    return { success: true };
  };

  app.route({
    method: methods,
    url: '/:id',
    // Not async: a read whose node the store has at hand answers without a promise (a throw
    // here reaches the error handler as a rejection would).
    handler: (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const params = graphParams(request);
      const method = effectiveMethod(request, params);
      const { id } = request.params;
      if (method === 'DELETE') return deleteNode(request, id);
      if (method === 'POST') {
        const principal = need(request, 'manage_company_data_exports');
        const ctx = contextFor(request);
        return thenMaybe(loadNode(ctx, id, 'post'), ({ type }) => {
          if (type !== exportNode) throw new NotFoundError(id, 'post');
          return updateExport(principal, id, params, ctx);
        });
      }
      need(request, 'read_company_data_exports');
      return answerRead(request, reply, undefined, (ctx) =>
        thenMaybe(loadNode(ctx, id, 'get'), ({ type, node }) => {
          const fields = parseFields(stringParam(params, 'fields'));
          plan(ctx, [estimateNode(type, fields, sizes)]);
          return resolveNode(type, node, fields, ctx, sizes);
        }),
      );
    },
  });

  app.route({
    method: methods,
    url: '/:id/:edge',
    // Not async, as `/:id`: a page whose node and rows the store has at hand answers without
    // a promise.
    handler: (request: FastifyRequest<{ Params: { id: string; edge: string } }>, reply) => {
      const params = graphParams(request);
      const method = effectiveMethod(request, params);
      const { id, edge } = request.params;
      if (edge === 'subscriptions') {
        const principal = need(request, 'read_company_data_exports');
        return subscriptionsEdge(runtime, principal, id, method, params);
      }
      if (method === 'POST') return postToEdge(request, params, id, edge);
      if (method === 'DELETE') {
        need(request, 'manage_company_data_exports');
        return thenMaybe(loadNode(contextFor(request), id, 'delete'), () => {
          throw new UnknownPathError(`/${edge}`);
        });
      }
      need(request, 'read_company_data_exports');
      const timeRange = edge === 'audit_log' ? timeRangeOf(params) : undefined;
      return answerRead(request, reply, timeRange, (ctx) =>
        thenMaybe(loadNode(ctx, id, 'get'), (loaded) => readEdge(ctx, params, loaded, edge)),
      );
    },
  });

  /**
   * A GET read, answered with the text kept for the same caller and URL when the memo has it
   * (`answer-memo.ts`); otherwise `read` resolves it, and its text is written here (the bytes
   * the reply serializer would write) and kept for the next time.
   */
  const answerRead = (
    request: FastifyRequest,
    reply: FastifyReply,
    timeRange: { since?: number; until?: number } | undefined,
    read: (ctx: GraphContext) => MaybePromise<unknown>,
  ): MaybePromise<unknown> => {
    const key = answers ? memoKeyOf(request) : undefined;
    if (!answers || key === undefined) return read(contextFor(request, timeRange));
    const kept = answers.find(key);
    if (kept) {
      // Charged as the read that wrote it was.
      request.graphBudget = kept.budget;
      reply.header('content-type', JSON_CONTENT_TYPE);
      return kept.body;
    }
    const started = answers.window();
    const ctx = contextFor(request, timeRange);
    return thenMaybe(read(ctx), (answer) => {
      const body = graphJson(answer) as string;
      if (ctx.readOnlyMarked) answers.keep(key, started, { body, budget: ctx.budget });
      reply.header('content-type', JSON_CONTENT_TYPE);
      return body;
    });
  };

  /**
   * Who asks what, for the answer memo: the token and the whole URL with its version prefix.
   * None for what the memo must not answer: a batch item (its objects count in its batch's
   * budget), a HEAD, or a request with a body (its parameters are not all in the URL).
   */
  const memoKeyOf = (request: FastifyRequest): string | undefined => {
    if (request.method !== 'GET' || request.body !== undefined || isBatchItem(request)) {
      return undefined;
    }
    return `${deps.principalOf(request).tokenId} ${requestedVersion(request) ?? ''} ${request.url}`;
  };

  /** `GET /{id}/{edge}` once the node is loaded: a page of the edge, `{data, paging, summary}`. */
  const readEdge = (
    ctx: GraphContext,
    params: Record<string, unknown>,
    { type, node }: LoadedNode,
    edge: string,
  ): MaybePromise<unknown> => {
    if (type === communityNode && edge === 'members') return findMembers(ctx, params);
    const field = fieldOf(type, edge);
    if (field?.kind !== 'edge') throw new UnknownPathError(`/${edge}`);
    const fieldsText = stringParam(params, 'fields');
    const selections = parseFields(fieldsText);
    const page = pageRequest(
      {
        limit: stringParam(params, 'limit'),
        after: stringParam(params, 'after'),
        before: stringParam(params, 'before'),
      },
      sizes,
    );
    plan(ctx, [listEstimate(field.type(), selections, page.limit)]);
    const nodeId = type.id(node);
    return thenMaybe(listPage(field, node, page, ctx), (items) => {
      const summary = stringParam(params, 'summary');
      return shapeList(field.type(), items, selections, ctx, sizes, {
        link: (cursor) =>
          ctx.options.link(nodeId, edge, {
            fields: fieldsText,
            since: stringParam(params, 'since'),
            until: stringParam(params, 'until'),
            // limit=0 (count only): `next` is this list from where it started, at the default size.
            ...(page.limit > 0 && { limit: String(page.limit) }),
            ...(cursor ?? {
              after: stringParam(params, 'after'),
              before: stringParam(params, 'before'),
            }),
          }),
        summary: summary === 'true' || summary === '1' ? () => field.count(node, ctx) : undefined,
      });
    });
  };

  /**
   * `GET /community/members?email=...` or `?import_id=...`: the members it names, any status,
   * as `{data: [...]}` (empty when none matches). A lookup, not a list of every member.
   */
  const findMembers = async (
    ctx: GraphContext,
    params: Record<string, unknown>,
  ): Promise<{ data: unknown[] }> => {
    const email = stringParam(params, 'email');
    const importId = stringParam(params, 'import_id');
    if (importId !== undefined) ctx.readsBeyondMark();
    if ((email === undefined) === (importId === undefined) || (email ?? importId)?.trim() === '') {
      throw new ValidationError(
        'email',
        '/community/members finds members by exactly one of email or import_id, e.g. ?email=ann@acme.example.',
      );
    }
    const selections = parseFields(stringParam(params, 'fields'));
    const found = await runtime.communities.findMembers(
      ctx.communityId,
      email === undefined ? { importId: importId ?? '' } : { email },
    );
    plan(ctx, [listEstimate(userNode, selections, found.length)]);
    const data = [];
    for (const member of found)
      data.push(await resolveNode(userNode, member, selections, ctx, sizes));
    return { data };
  };

  /** A page of `limit` items of `type`, each resolving `selections`. */
  const listEstimate = (
    type: NodeType,
    selections: readonly FieldSelection[],
    limit: number,
  ): CostEstimate => {
    const item = estimateNode(type, selections, sizes);
    return { objects: limit * item.objects, depth: item.depth };
  };

  /**
   * `POST /{export id}` with `expires_time` (ISO 8601, Unix seconds, or `now`): moves the
   * export's expiry, or expires it at once; answers `{success, expires_time}`.
   */
  const updateExport = async (
    principal: Principal,
    id: Id,
    params: Record<string, unknown>,
    ctx: GraphContext,
  ): Promise<unknown> => {
    const value = params.expires_time;
    if (value === undefined || value === '') {
      throw new ValidationError(
        'expires_time',
        'POST on an export takes expires_time: a date-time (ISO 8601 or Unix seconds) to keep its files until, or now to delete them at once.',
      );
    }
    const time = await runtime.retention.setExpiresTime(principal.communityId, id, value);
    return { success: true, expires_time: ctx.date(time) };
  };

  const postToEdge = async (
    request: FastifyRequest,
    params: Record<string, unknown>,
    id: string,
    edge: string,
  ): Promise<unknown> => {
    const principal = need(request, 'manage_company_data_exports');
    const ctx = contextFor(request);
    const { type } = await loadNode(ctx, id, 'post');
    if (type === communityNode && edge === 'work_dyi_jobs') {
      await deps.usage.admitExport(principal.communityId);
      const integration = await runtime.metadata.integrations.get(principal.integrationId);
      const created = await runtime.exports.create(
        principal.communityId,
        params,
        integrationAuditContext(request, principal),
        {
          type: 'integration',
          id: principal.integrationId,
          name: integration?.name ?? '',
          tokenId: principal.tokenId,
        },
      );
      return { id: created.id };
    }
    if (type === exportNode && edge === 'cancel') {
      await runtime.exports.cancel(
        principal.communityId,
        id,
        integrationAuditContext(request, principal),
      );
      return { success: true };
    }
    throw new UnknownPathError(`/${edge}`);
  };
}

/** `since` and `until` of a list by time: Unix seconds, `since` ≤ time < `until`. */
function timeRangeOf(params: Record<string, unknown>): { since?: number; until?: number } {
  const range: { since?: number; until?: number } = {};
  for (const name of ['since', 'until'] as const) {
    const text = stringParam(params, name);
    if (text === undefined) continue;
    if (!/^\d{1,12}$/.test(text)) {
      throw new ValidationError(
        name,
        `${name} takes a Unix timestamp in seconds (e.g. 1767225600), not "${text.slice(0, 40)}".`,
      );
    }
    range[name] = Number(text);
  }
  if (range.since !== undefined && range.until !== undefined && range.since >= range.until) {
    throw new ValidationError('until', 'until must be later than since.');
  }
  return range;
}
