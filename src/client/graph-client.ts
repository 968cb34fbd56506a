/**
 * @module
 * A typed client of the DYI Export API on undici: the token in `Authorization: Bearer`,
 * `appsecret_proof` when an app secret is given, an optional version prefix, connect and idle
 * timeouts, bounded retries (network errors, timeouts, HTTP 5xx, Graph rate limits and
 * transient errors) and pacing from the usage headers. Lists are followed through
 * `paging.next` until it is absent. It talks HTTP only, so it works against any server
 * speaking the API, ours or Meta's.
 */
import { createHmac } from 'node:crypto';
import { type GraphErrorBody, GraphRequestError } from './graph-request-error.js';
import type { GraphPage, RemoteExport, RemoteFile, RemoteJob, RetryNotice } from './graph-types.js';
import { type ClientDispatcher, LeanAgent } from './lean-agent.js';
import { type RetryOptions, RetryPolicy } from './retry-policy.js';
import { retrying } from './retrying.js';
import { usageOf } from './usage-headers.js';

export const DEFAULT_BASE_URL = 'https://graph.workplace.com';

export interface GraphClientOptions {
  readonly token: string;
  /** Default `https://graph.workplace.com`. */
  readonly baseUrl?: string;
  /** Path prefix such as `v22.0`; default none. */
  readonly graphVersion?: string;
  /** Sends `appsecret_proof` (hex HMAC-SHA256 of the token keyed with it). */
  readonly appSecret?: string;
  /** Milliseconds to establish a connection; default 10 000. */
  readonly connectTimeoutMs?: number;
  /** Milliseconds without a byte (headers or body) before giving up; default 30 000. */
  readonly idleTimeoutMs?: number;
  readonly retry?: Partial<RetryOptions>;
  readonly onRetry?: (notice: RetryNotice) => void;
}

const FILE_FIELDS = 'id,download_url,file_size,name,sha256';
const BASIC_FILE_FIELDS = 'id,download_url,file_size';
const JOB_FIELDS = 'id,job_state,user{id}';
const BASIC_JOB_FIELDS = 'id,job_state';
/** Graph caps pages at 100; asking for the most saves round trips. */
const PAGE_SIZE = '100';
const EXPORT_FIELDS = 'id,is_completed';
const COMPANY_JOB_FIELDS = 'company_job{id,job_state}';
/** The company job with its first page of files, so that its files need no call of their own. */
const COMPANY_JOB_WITH_FILES = `company_job{id,job_state,files.limit(${PAGE_SIZE}){${FILE_FIELDS}}}`;

export class GraphClient {
  readonly policy: RetryPolicy;
  readonly dispatcher: ClientDispatcher;
  readonly onRetry: (notice: RetryNotice) => void;
  readonly #prefix: string;
  readonly #token: string;
  readonly #proof: string | undefined;
  /** Field lists this server refused once, so they are not asked for again. */
  readonly #refused = new Set<string>();

  constructor(options: GraphClientOptions) {
    const base = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    const version = options.graphVersion?.replace(/^\/+|\/+$/g, '');
    this.#prefix = version ? `${base}/${version}/` : `${base}/`;
    this.#token = options.token;
    this.#proof =
      options.appSecret === undefined
        ? undefined
        : createHmac('sha256', options.appSecret).update(options.token).digest('hex');
    const idle = options.idleTimeoutMs ?? 30_000;
    this.dispatcher = new LeanAgent({
      connect: { timeout: options.connectTimeoutMs ?? 10_000 },
      headersTimeout: idle,
      bodyTimeout: idle,
    });
    this.policy = new RetryPolicy(options.retry);
    this.onRetry = options.onRetry ?? (() => undefined);
  }

  /**
   * GET of a path (`community/work_dyi_jobs`) or an absolute URL (a `paging.next`), retried
   * as the policy says, except errors `isFinal` names (the caller has another way around them).
   */
  async get<T>(
    pathOrUrl: string,
    params: Record<string, string> = {},
    isFinal?: (error: unknown) => boolean,
  ): Promise<T> {
    const url = new URL(/^https?:\/\//.test(pathOrUrl) ? pathOrUrl : this.#prefix + pathOrUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    if (this.#proof !== undefined) url.searchParams.set('appsecret_proof', this.#proof);
    const target = `GET ${url.origin}${url.pathname}`;
    return retrying(
      this.policy,
      target,
      this.onRetry,
      async () => {
        await this.policy.sleep(this.policy.paceMs());
        const response = await this.dispatcher.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'GET',
          headers: { authorization: `Bearer ${this.#token}`, accept: 'application/json' },
        });
        const text = await response.body.text();
        this.policy.observe(usageOf(response.headers));
        const body = parseJson(text);
        if (response.statusCode === 200 && body !== undefined && !hasError(body)) return body as T;
        const retryAfter = Number(response.headers['retry-after']);
        throw new GraphRequestError(
          target,
          response.statusCode,
          hasError(body) ? body.error : { message: text.slice(0, 200) },
          Number.isFinite(retryAfter) ? retryAfter : undefined,
        );
      },
      isFinal,
    );
  }

  /**
   * Every item of an edge, page after page through `paging.next`; `isFinal` as for `get`, for
   * the first page.
   */
  async *paged<T>(
    path: string,
    params: Record<string, string> = {},
    isFinal?: (error: unknown) => boolean,
  ): AsyncGenerator<T> {
    let page = await this.get<GraphPage<T>>(path, { limit: PAGE_SIZE, ...params }, isFinal);
    for (;;) {
      yield* page.data;
      const next = page.paging?.next;
      if (next === undefined) return;
      page = await this.get<GraphPage<T>>(next);
    }
  }

  /**
   * The community's exports, each with its company job and that job's first page of files
   * (field expansion): the listing's first answer already holds a file to fetch. A server
   * that does not expand, or allows less per request, gets the spec's fields, and the caller
   * asks for each export's job.
   */
  listExports(): AsyncGenerator<RemoteExport> {
    return this.#pagedWithFallback<RemoteExport>(
      'community/work_dyi_jobs',
      `${EXPORT_FIELDS},${COMPANY_JOB_WITH_FILES}`,
      EXPORT_FIELDS,
    );
  }

  /** One export with its company job (and that job's first page of files, where expanded). */
  getExport(exportId: string): Promise<RemoteExport> {
    const path = encodeURIComponent(exportId);
    return this.#withFallback(
      `${EXPORT_FIELDS},${COMPANY_JOB_WITH_FILES}`,
      `${EXPORT_FIELDS},${COMPANY_JOB_FIELDS}`,
      (fields, isFinal) => this.get<RemoteExport>(path, { fields }, isFinal),
    );
  }

  listUserJobs(exportId: string): AsyncGenerator<RemoteJob> {
    return this.#pagedWithFallback<RemoteJob>(
      `${encodeURIComponent(exportId)}/user_dyi_jobs`,
      JOB_FIELDS,
      BASIC_JOB_FIELDS,
    );
  }

  /**
   * The export's user jobs with the first page of each job's files in the same answers
   * (field expansion): one call per 100 jobs instead of one more per job. A server that does
   * not expand gets plain jobs, whose files the caller then lists itself.
   */
  listUserJobsWithFiles(exportId: string): AsyncGenerator<RemoteJob> {
    return this.#pagedWithFallback<RemoteJob>(
      `${encodeURIComponent(exportId)}/user_dyi_jobs`,
      `${JOB_FIELDS},files.limit(${PAGE_SIZE}){${FILE_FIELDS}}`,
      BASIC_JOB_FIELDS,
    );
  }

  listFiles(jobId: string): AsyncGenerator<RemoteFile> {
    return this.#pagedWithFallback<RemoteFile>(
      `${encodeURIComponent(jobId)}/files`,
      FILE_FIELDS,
      BASIC_FILE_FIELDS,
    );
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** Every item of an edge, with our extra fields or, where they are refused, the spec's. */
  async *#pagedWithFallback<T>(path: string, rich: string, basic: string): AsyncGenerator<T> {
    const { first, items } = await this.#withFallback(rich, basic, async (fields, isFinal) => {
      const items = this.paged<T>(path, { fields }, isFinal);
      return { first: await items.next(), items };
    });
    if (first.done !== true) yield first.value;
    yield* items;
  }

  /**
   * `ask` with our extra fields (`rich`), or with the spec's (`basic`) once a server refused
   * them (`refusesFields`): that refusal is not retried, the spec's fields are the way around
   * it, and they are asked for from then on.
   */
  async #withFallback<R>(
    rich: string,
    basic: string,
    ask: (fields: string, isFinal?: (error: unknown) => boolean) => Promise<R>,
  ): Promise<R> {
    if (!this.#refused.has(rich)) {
      try {
        return await ask(rich, refusesFields);
      } catch (error) {
        if (!refusesFields(error)) throw error;
        this.#refused.add(rich);
      }
    }
    return ask(basic);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function hasError(body: unknown): body is { error: GraphErrorBody } {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { error?: unknown }).error === 'object'
  );
}

/**
 * Whether the server refused our extra fields: it does not know them (code 100), or they make
 * the answer larger than it allows (`DYI_GRAPH_MAX_*` on ours, Graph's own limits).
 */
function refusesFields(error: unknown): boolean {
  return error instanceof GraphRequestError && (error.isUnknownField || error.isTooMuchData);
}
