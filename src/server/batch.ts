/**
 * @module
 * The Graph Batch API: `POST /` with `batch=[{method, relative_url, body}]`. Each item runs
 * through the same routes, hooks and limits as a request of its own (via `inject`), carrying
 * the batch's access token unless it names its own; answers come back in order.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../domain/index.js';
import { optionalCredentials, requestedVersion, stringParam } from './graph-request.js';

/** Graph's own limit of items in one batch. */
const MAX_BATCH_ITEMS = 50;

const itemSchema = z.object({
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(['GET', 'POST', 'DELETE'])),
  relative_url: z.string().min(1).max(8192),
  body: z.string().max(1_000_000).optional(),
  name: z.string().optional(),
});

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
): Promise<BatchAnswer[]> {
  const items = parseBatch(params.batch);
  const includeHeaders = stringParam(params, 'include_headers') !== 'false';
  const credentials = optionalCredentials(request, params);
  const version = requestedVersion(request);
  const answers: BatchAnswer[] = [];
  for (const item of items) {
    const path = item.relative_url.replace(/^\/+/, '');
    const url = new URL(`http://batch/${version ? `${version}/` : ''}${path}`);
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
      ...(item.body !== undefined && {
        payload: item.body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    });
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
