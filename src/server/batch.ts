/**
 * @module
 * The Graph Batch API: `POST /` with `batch=[{method, relative_url, body}]`. Each item runs
 * through the same routes, hooks and limits as a request of its own (via `inject`), carrying
 * the batch's access token unless it names its own; answers come back in order. An item may
 * not be a batch itself (50 × 50 calls in one request); the items share one object budget and
 * their answers together stay within the per-request byte budget, like any other request.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TooMuchDataError, ValidationError } from '../domain/index.js';
import { type BudgetLimits, RequestBudget } from '../graph/request-budget.js';
import {
  optionalCredentials,
  requestedVersion,
  splitRelativeUrl,
  stringParam,
} from './graph-request.js';

/** Graph's own limit of items in one batch. */
const MAX_BATCH_ITEMS = 50;

const itemSchema = z.object({
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(['GET', 'POST', 'DELETE'])),
  relative_url: z.string().min(1).max(8192),
  body: z.string().max(1_000_000).optional(),
  // SDKs name the items of a list by their index, so a number is as good as a string.
  name: z.union([z.string(), z.number()]).optional(),
});

/**
 * Marks the requests a batch makes for its items: `<mark>:<batch key>`. The mark is secret to
 * this process, so a client cannot make its own request look like a batch item, nor an item
 * look like a client; the key finds the batch's shared budget.
 */
const BATCH_ITEM_HEADER = 'x-dyi-batch-item';
const BATCH_ITEM_MARK = randomBytes(16).toString('hex');

/** The object budgets of the batches now running, by batch key. */
const runningBatches = new Map<string, RequestBudget>();

function batchKeyOf(request: FastifyRequest): string | undefined {
  const value = request.headers[BATCH_ITEM_HEADER];
  if (typeof value !== 'string' || !value.startsWith(`${BATCH_ITEM_MARK}:`)) return undefined;
  return value.slice(BATCH_ITEM_MARK.length + 1);
}

/** The same as `isBatchItem`, from the raw headers (before routing). */
export function isBatchItemMessage(headers: IncomingHttpHeaders): boolean {
  const value = headers[BATCH_ITEM_HEADER];
  return typeof value === 'string' && value.startsWith(`${BATCH_ITEM_MARK}:`);
}

/** True for a request a batch made for one of its items (never for a client's own). */
export function isBatchItem(request: FastifyRequest): boolean {
  return batchKeyOf(request) !== undefined;
}

/** The budget a request's objects count against besides its own: its batch's, if any. */
export function batchBudgetOf(request: FastifyRequest): RequestBudget | undefined {
  const key = batchKeyOf(request);
  return key === undefined ? undefined : runningBatches.get(key);
}

export interface BatchAnswer {
  readonly code: number;
  readonly headers?: readonly { name: string; value: string }[];
  readonly body: string;
}

/** Response headers not worth repeating inside a batch answer. */
const HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'date',
  'content-length',
  'transfer-encoding',
]);

export async function runBatch(
  app: FastifyInstance,
  request: FastifyRequest,
  params: Record<string, unknown>,
  limits: BudgetLimits,
): Promise<BatchAnswer[]> {
  if (isBatchItem(request)) {
    throw new ValidationError(
      'batch',
      'A batch item cannot be a batch itself; put all requests in one batch of at most 50.',
    );
  }
  const items = parseBatch(params.batch);
  const credentials = optionalCredentials(request, params);
  const key = randomBytes(12).toString('hex');
  runningBatches.set(key, new RequestBudget(limits));
  try {
    return await runItems(app, items, {
      credentials,
      version: requestedVersion(request),
      includeHeaders: stringParam(params, 'include_headers') !== 'false',
      itemMark: `${BATCH_ITEM_MARK}:${key}`,
      limits,
    });
  } finally {
    runningBatches.delete(key);
  }
}

interface BatchRun {
  readonly credentials: ReturnType<typeof optionalCredentials>;
  readonly version: string | undefined;
  readonly includeHeaders: boolean;
  readonly itemMark: string;
  readonly limits: BudgetLimits;
}

async function runItems(
  app: FastifyInstance,
  items: readonly z.infer<typeof itemSchema>[],
  { credentials, version, includeHeaders, itemMark, limits }: BatchRun,
): Promise<BatchAnswer[]> {
  const answers: BatchAnswer[] = [];
  let bytes = 0;
  for (const item of items) {
    // An item may carry its own version prefix (`/v19.0/me`); it wins over the batch's.
    const relative = splitRelativeUrl(item.relative_url);
    const itemVersion = relative.version ?? version;
    const url = new URL(`http://batch/${itemVersion ? `${itemVersion}/` : ''}${relative.rest}`);
    if (credentials && !url.searchParams.has('access_token')) {
      url.searchParams.set('access_token', credentials.token);
      if (credentials.appsecretProof !== undefined && !url.searchParams.has('appsecret_proof')) {
        url.searchParams.set('appsecret_proof', credentials.appsecretProof);
        if (credentials.appsecretTime !== undefined) {
          url.searchParams.set('appsecret_time', credentials.appsecretTime);
        }
      }
    }
    const response = await app.inject({
      method: item.method,
      url: url.pathname + url.search,
      headers: {
        [BATCH_ITEM_HEADER]: itemMark,
        ...(item.body !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(item.body !== undefined && { payload: item.body }),
    });
    bytes += response.body.length;
    if (bytes > limits.graphMaxResponseBytes) {
      throw new TooMuchDataError(
        `the batch's answers passed ${limits.graphMaxResponseBytes} bytes (DYI_GRAPH_MAX_RESPONSE_BYTES)`,
      );
    }
    answers.push({
      code: response.statusCode,
      ...(includeHeaders && {
        headers: Object.entries(response.headers)
          .filter(([name]) => !HOP_HEADERS.has(name))
          .map(([name, value]) => ({ name, value: String(value) })),
      }),
      body: response.body,
    });
  }
  return answers;
}

function parseBatch(raw: unknown): z.infer<typeof itemSchema>[] {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new ValidationError('batch', 'batch must be a JSON array of {method, relative_url}.', {
        cause: error,
      });
    }
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new ValidationError(
      'batch',
      'batch must be a non-empty JSON array of {method, relative_url}.',
    );
  }
  if (value.length > MAX_BATCH_ITEMS) {
    throw new ValidationError(
      'batch',
      `batch may hold at most ${MAX_BATCH_ITEMS} requests; got ${value.length}.`,
    );
  }
  return value.map((item, index) => {
    const parsed = itemSchema.safeParse(item);
    if (!parsed.success) {
      const problem = parsed.error.issues[0];
      throw new ValidationError(
        'batch',
        `batch[${index}]${problem?.path.length ? `.${problem.path.join('.')}` : ''}: ${problem?.message ?? 'invalid'}; each item needs method (GET, POST or DELETE) and relative_url.`,
      );
    }
    return parsed.data;
  });
}
