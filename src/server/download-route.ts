/**
 * @module
 * The file download route `GET|HEAD /dyi-files/:fileId/:name`: what a signed `download_url`
 * points at. It needs no access token (the URL's HMAC is the credential), and behaves like a
 * static file server so that browsers, curl and download managers can resume: strong ETag (the
 * file's sha256), one `Range` per request with `If-Range`, `If-None-Match`, and an attachment
 * `Content-Disposition`. Bytes stream from the BlobStore in 1 MiB reads, never buffered whole.
 * Files never change once their row exists, which is what makes the validators simple.
 */
import { Readable, Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ExportExpiredError, NotFoundError } from '../domain/errors.js';
import type { DyiFile } from '../domain/types.js';
import type { ProcessMetrics } from '../adapters/prometheus/process-metrics.js';
import type { BlobFile, BlobStore, ByteRange } from '../ports/blob-store.js';
import type { FileRepository } from '../ports/metadata-store.js';
import type { AuditService } from '../services/audit-service.js';
import type { DownloadUrlSigner } from '../services/download-url-signer.js';
import { signedUrlAuditContext } from './audit-context.js';
import { DownloadBody, wrongLength } from './download-body.js';

/** Path prefix of download URLs (the signer builds the same). */
export const DOWNLOAD_ROUTE_PREFIX = '/dyi-files/';

export interface DownloadRouteDeps {
  readonly files: Pick<FileRepository, 'get'>;
  readonly blobs: BlobStore;
  readonly signer: DownloadUrlSigner;
  /** Every GET is recorded before a byte is sent; a download the trail cannot record fails. */
  readonly audit: Pick<AuditService, 'record'>;
  /** Bytes sent and downloads in progress are counted here when given. */
  readonly metrics?: Pick<ProcessMetrics, 'downloadBytes' | 'activeDownloads'>;
}

interface DownloadRequest {
  Params: { fileId: string; name: string };
  // A repeated parameter arrives as an array, which no valid URL has.
  Querystring: { expires?: string | string[]; signature?: string | string[] };
}

/** The headers that identify the file's one version, also sent with 304. */
type Validators = {
  readonly ETag: string;
  readonly 'Last-Modified': string;
  readonly 'Cache-Control': string;
};

export function registerDownloadRoute(app: FastifyInstance, deps: DownloadRouteDeps): void {
  app.route<DownloadRequest>({
    method: ['GET', 'HEAD'],
    url: `${DOWNLOAD_ROUTE_PREFIX}:fileId/:name`,
    // HEAD is served by the same handler, so fastify must not add a second one.
    exposeHeadRoute: false,
    handler: (request, reply) => serveDownload(request, reply, deps),
  });
}

async function serveDownload(
  request: FastifyRequest<DownloadRequest>,
  reply: FastifyReply,
  deps: DownloadRouteDeps,
): Promise<FastifyReply> {
  const { fileId } = request.params;
  // The signature is checked before the id is looked up, so that unsigned requests learn
  // nothing about which ids exist. `:name` is not checked: it is there for people only.
  const { expires, signature } = request.query;
  deps.signer.verify(fileId, singleValue(expires), singleValue(signature));
  const file = await deps.files.get(fileId);
  if (file === undefined) throw new NotFoundError(fileId);
  // Its export's retention ended: the bytes are gone or going, and the URL says so (410).
  if (file.expiredTime !== null) throw new ExportExpiredError(`File ${fileId}`, file.expiredTime);

  const validators = validatorHeadersOf(file);
  // RFC 9110 §13.2.2: If-None-Match is evaluated before Range.
  if (matchesIfNoneMatch(request.headers['if-none-match'], validators.ETag)) {
    return send(reply, 304, validators);
  }

  const whole = {
    ...validators,
    'Content-Type': file.contentType,
    'Content-Disposition': contentDispositionOf(file.name),
    'Accept-Ranges': 'bytes',
  };
  const range = rangeToServe(request.headers, file);
  if (range === 'unsatisfiable') {
    return send(reply, 416, {
      ...whole,
      'Content-Length': '0',
      'Content-Range': `bytes */${file.size}`,
    });
  }
  const length = range === undefined ? file.size : range.end - range.start + 1;
  const headers = {
    ...whole,
    'Content-Length': String(length),
    ...(range && { 'Content-Range': `bytes ${range.start}-${range.end}/${file.size}` }),
  };
  const status = range === undefined ? 200 : 206;
  if (request.method === 'GET') {
    await deps.audit.record(
      signedUrlAuditContext(request),
      'file.download',
      { communityId: file.communityId, objectType: 'dyi_file', objectId: file.id },
      { job_id: file.jobId, name: file.name, range: range ? `${range.start}-${range.end}` : null },
    );
  }
  if (request.method === 'HEAD' || length === 0) return send(reply, status, headers);

  const read = range ?? wholeRead(file);
  const opened = deps.blobs.openFile
    ? deps.blobs.openFile(file.blobKey, read)
    : deps.blobs.openRead(file.blobKey, read);
  const source = await opened.catch((error: unknown) => {
    // The export may have been deleted since the row was read; for the client it is gone.
    throw error instanceof NotFoundError ? new NotFoundError(fileId) : error;
  });
  return send(reply, status, headers, { source, length }, deps.metrics);
}

/**
 * The bytes to read for the whole file: its size and one more, so that a blob longer than its
 * row still shows (see `failingWhenWrongLength`). A read without an end would size every
 * buffer at the store's read size (1 MiB), and an export of thousands of small files then
 * allocated megabytes per download, which garbage collection paid for (docs/benchmarks.md).
 */
function wholeRead(file: DyiFile): ByteRange {
  return { start: 0, end: file.size };
}

/**
 * Sends through fastify, after every check that can fail has passed, so that errors reach the
 * app's error handler and the reply keeps fastify's hooks, response log and client-abort
 * handling. Writing to `reply.raw` after `reply.hijack()` gave up all of that for no measurable
 * gain: the two ran at the same speed within noise (docs/benchmarks.md).
 */
function send(
  reply: FastifyReply,
  status: number,
  headers: Validators & Record<string, string>,
  body?: { readonly source: Readable | BlobFile; readonly length: number },
  metrics?: DownloadRouteDeps['metrics'],
): FastifyReply {
  reply.code(status).headers(headers);
  if (body && metrics) {
    metrics.activeDownloads.inc();
    reply.raw.once('close', () => metrics.activeDownloads.dec());
  }
  if (body === undefined) return reply.send();
  const onBytes = (bytes: number): void => metrics?.downloadBytes.inc(bytes);
  return reply.send(
    body.source instanceof Readable
      ? failingWhenWrongLength(body.source, body.length, onBytes)
      : new DownloadBody(body.source, body.length, onBytes),
  );
}

/**
 * Errors the stream when it carries other than `length` bytes (see `wrongLength`), which makes
 * fastify close the socket: what `DownloadBody` does for stores without `BlobFile` (S3). Node's
 * `strictContentLength` is no help: it throws out of `pipe`, uncaught.
 */
function failingWhenWrongLength(
  stream: Readable,
  length: number,
  onBytes: (bytes: number) => void,
): Readable {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      onBytes(chunk.length);
      done(seen > length ? wrongLength(seen, length) : null, chunk);
    },
    flush(done) {
      done(seen === length ? null : wrongLength(seen, length));
    },
  });
  // Errors reach fastify through `counter`; pipeline closes the file however the reply ends.
  // pipe() and an error handler, not pipeline(): pipeline aborts an AbortController of its own
  // when it finishes, and making that DOMException showed in a CPU profile; without it the
  // server's CPU per 3 KB download fell from 0.80-0.94 ms to 0.61-0.66 ms (docs/benchmarks.md).
  stream.once('error', (error) => counter.destroy(error));
  // A client that goes away destroys the body: the blob's file must close with it.
  counter.once('close', () => stream.destroy());
  stream.pipe(counter);
  return counter;
}

function singleValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function validatorHeadersOf(file: DyiFile): Validators {
  return {
    ETag: `"${file.sha256}"`,
    'Last-Modified': new Date(file.createTime * 1000).toUTCString(),
    // Each download URL is personal and expires, so shared caches must not keep the bytes,
    // and browsers revalidate with the ETag instead of trusting a stale copy.
    'Cache-Control': 'private, max-age=0',
  };
}

/** Weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`, and `*` matches any file. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * The one range to send, undefined for the whole file, or 'unsatisfiable' (416). Ranges this
 * route does not serve (several at once, other units, bad syntax) are ignored, which RFC 9110
 * §14.2 allows: the client then gets the whole file with 200.
 */
function rangeToServe(
  headers: FastifyRequest['headers'],
  file: DyiFile,
): ByteRange | 'unsatisfiable' | undefined {
  const header = headers.range;
  if (header === undefined || !honoursIfRange(singleValue(headers['if-range']), file))
    return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.replace(/\s+/g, ''));
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    // `bytes=-n`: the last n bytes, or the whole file when it is shorter than n.
    const suffix = Number(last);
    if (suffix === 0 || file.size === 0) return 'unsatisfiable';
    return { start: Math.max(0, file.size - suffix), end: file.size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? file.size - 1 : Number(last);
  if (last !== '' && end < start) return undefined;
  if (start >= file.size) return 'unsatisfiable';
  return { start, end: Math.min(end, file.size - 1) };
}

/**
 * True when `If-Range` allows the Range: absent, the file's strong ETag, or a date at or after
 * its Last-Modified. RFC 9110 asks for an exact date match because a file may change within
 * the same second; ours never change after they are created, so a later date is as safe.
 */
function honoursIfRange(header: string | undefined, file: DyiFile): boolean {
  if (header === undefined) return true;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === `"${file.sha256}"`;
  const date = Date.parse(value);
  return !Number.isNaN(date) && Math.floor(date / 1000) >= file.createTime;
}

/**
 * `filename` for old clients (printable ASCII, quotes and backslashes replaced) and
 * `filename*` (RFC 8187) with the exact UTF-8 name for every current one.
 */
function contentDispositionOf(name: string): string {
  const asciiName = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${asciiName}"; filename*=UTF-8''${encoded}`;
}
