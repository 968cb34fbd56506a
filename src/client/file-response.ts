/**
 * @module
 * The GET of a `download_url`, read as a resuming downloader must: 206 continues the part, 200
 * replaces it, 416 or a `Content-Range` that starts elsewhere means the part is wrong, and any
 * other status becomes a GraphRequestError (with the Graph error body when there is one) for
 * the retry loop to judge. No token is sent: the URL is its own credential, and a presigned
 * object-store URL would refuse a request carrying one.
 */
import type { Readable } from 'node:stream';
import type { GraphClient } from './graph-client.js';
import { type GraphErrorBody, GraphRequestError } from './graph-request-error.js';

/** A part whose bytes are wrong: the file must be fetched again from its first byte. */
export class PartMismatchError extends Error {}

export interface FileAnswer {
  readonly body: Readable;
  /** True when the body is the whole file (the part must be replaced). */
  readonly restarted: boolean;
  readonly etag: string | undefined;
}

export async function fetchBody(
  client: GraphClient,
  downloadUrl: string,
  have: number,
  etag: string | undefined,
  signal: AbortSignal | undefined,
): Promise<FileAnswer> {
  const url = new URL(downloadUrl);
  const target = `GET ${url.origin}${url.pathname}`;
  const headers: Record<string, string> = {};
  if (have > 0) {
    headers.range = `bytes=${have}-`;
    if (etag !== undefined) headers['if-range'] = etag;
  }
  const response = await client.dispatcher.request({
    origin: url.origin,
    path: url.pathname + url.search,
    method: 'GET',
    headers,
    ...(signal && { signal }),
  });
  const answeredEtag = single(response.headers.etag);
  if (response.statusCode === 200) {
    return { body: response.body, restarted: true, etag: answeredEtag };
  }
  if (response.statusCode === 206) {
    const start = /^bytes (\d+)-/.exec(single(response.headers['content-range']) ?? '')?.[1];
    if (Number(start) === have) return { body: response.body, restarted: false, etag };
    await response.body.dump();
    throw new PartMismatchError(`asked for bytes from ${have}, got a range from ${start}`);
  }
  const text = await response.body.text().catch(() => '');
  if (response.statusCode === 416) {
    throw new PartMismatchError(`the server cannot serve bytes from ${have}`);
  }
  const retryAfter = Number(single(response.headers['retry-after']));
  throw new GraphRequestError(
    target,
    response.statusCode,
    graphErrorOf(text),
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}

function graphErrorOf(text: string): GraphErrorBody {
  try {
    const parsed = JSON.parse(text) as { error?: GraphErrorBody };
    if (typeof parsed.error === 'object') return parsed.error;
  } catch {
    // Not JSON: a proxy's or a load balancer's page.
  }
  return { message: text.slice(0, 200) || 'no body' };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
