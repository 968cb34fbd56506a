/**
 * @module
 * The file download route `GET|HEAD /dyi-files/:fileId/:name`: what a signed `download_url`
 * points at. It needs no access token (the URL's HMAC is the credential), and behaves like a
 * static file server so that browsers, curl and download managers can resume: strong ETag (the
 * file's sha256), one `Range` per request with `If-Range`, `If-None-Match`, and an attachment
 * `Content-Disposition`. Bytes stream from the BlobStore in 1 MiB reads, never buffered whole.
 * Files never change once their row exists, which is what makes the validators simple.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../domain/errors.js';
import type { DyiFile } from '../domain/types.js';
import type { BlobStore, ByteRange } from '../ports/blob-store.js';
import type { FileRepository } from '../ports/metadata-store.js';
import type { DownloadUrlSigner } from '../services/download-url-signer.js';

export interface DownloadRouteDeps {
  readonly files: Pick<FileRepository, 'get'>;
  readonly blobs: BlobStore;
  readonly signer: DownloadUrlSigner;
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
    url: '/dyi-files/:fileId/:name',
    // HEAD is served by the same handler, so fastify must not add a second one.
    exposeHeadRoute: false,
    handler: (request, reply) => serveDownload(request, reply, deps),
  });
}

async function serveDownload(
  request: FastifyRequest<DownloadRequest>,
  reply: FastifyReply,
  deps: DownloadRouteDeps,
): Promise<void> {
  const { fileId } = request.params;
  // The signature is checked before the id is looked up, so that unsigned requests learn
  // nothing about which ids exist. `:name` is not checked: it is there for people only.
  const { expires, signature } = request.query;
  deps.signer.verify(fileId, singleValue(expires), singleValue(signature));
  const file = await deps.files.get(fileId);
  if (file === undefined) throw new NotFoundError(fileId);

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
  const status = range === undefined ? 200 : 206;
  const headers =
    range === undefined
      ? { ...whole, 'Content-Length': String(file.size) }
      : {
          ...whole,
          'Content-Length': String(range.end - range.start + 1),
          'Content-Range': `bytes ${range.start}-${range.end}/${file.size}`,
        };
  if (request.method === 'HEAD' || file.size === 0) return send(reply, status, headers);

  const body = await deps.blobs.openRead(file.blobKey, range).catch((error: unknown) => {
    // The export may have been deleted since the row was read; for the client it is gone.
    throw error instanceof NotFoundError ? new NotFoundError(fileId) : error;
  });
  return send(reply, status, headers, body);
}

/**
 * Writes the response straight to the socket. `bench/download-route-send.ts` measured this
 * against `reply.send(stream)`: hijacking skips fastify's per-reply serialisation and hooks,
 * which no download needs, and was faster (docs/benchmarks.md). Headers go out only here, after
 * every check that can fail has passed, so errors still reach the app's error handler.
 */
async function send(
  reply: FastifyReply,
  status: number,
  headers: Validators & Record<string, string>,
  body?: Readable,
): Promise<void> {
  reply.hijack();
  const response: ServerResponse = reply.raw;
  response.writeHead(status, headers);
  if (body === undefined) {
    response.end();
    return;
  }
  try {
    await pipeline(body, response);
  } catch (error) {
    // A client that hangs up mid-download is routine (resumable downloads do it by design);
    // anything else is logged. Either way pipeline has closed the file and the socket.
    if (!isPrematureClose(error)) reply.log.warn({ err: error }, 'download stream failed');
  }
}

function isPrematureClose(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
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
