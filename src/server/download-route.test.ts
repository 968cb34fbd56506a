/**
 * @module
 * Tests of the download route on real storage (SQLite in memory for the file rows, a temp
 * directory for the bytes): through fastify `inject()` for every header rule, and through a
 * real listening server with Node's fetch and http clients for what only a socket shows
 * (streaming, resuming with ranges, a client hanging up mid-download).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDiskBlobStore } from '../adapters/local-disk/local-disk-blob-store.js';
import { SqliteMetadataStore } from '../adapters/sqlite/sqlite-metadata-store.js';
import { DownloadUrlError, NotFoundError } from '../domain/errors.js';
import type { DyiFile } from '../domain/types.js';
import { blobKeyForFile } from '../ports/blob-store.js';
import { AuditService } from '../services/audit-service.js';
import { DownloadUrlSigner } from '../services/download-url-signer.js';
import { registerDownloadRoute } from './download-route.js';

const CREATE_TIME = 1_700_000_000;
const NOW_MS = (CREATE_TIME + 60) * 1000;
const LAST_MODIFIED = 'Tue, 14 Nov 2023 22:13:20 GMT';

let dir: string;
let metadata: SqliteMetadataStore;
let blobs: LocalDiskBlobStore;
let nowMs: number;
let signer: DownloadUrlSigner;
let app: FastifyInstance;
let jobId: string;
let communityId: string;
let exportId: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dyi-download-'));
  metadata = new SqliteMetadataStore({ filename: ':memory:' });
  await metadata.init();
  blobs = new LocalDiskBlobStore({ root: dir });
  await blobs.init();
  nowMs = NOW_MS;
  signer = new DownloadUrlSigner({
    secret: 'route-test-secret',
    publicUrl: 'http://dyi.test',
    ttlSeconds: 3600,
    clock: { now: () => nowMs },
  });
  const community = await metadata.communities.create({ name: 'Acme', createTime: CREATE_TIME });
  communityId = community.id;
  const created = await metadata.exports.create(
    {
      communityId,
      createTime: CREATE_TIME,
      idempotencyKey: null,
      dataTypes: ['WORKPLACE_COMPANY_METADATA_GROUPS'],
      dyiFormat: 'JSON',
      mediaQuality: 'VERY_HIGH',
      keepOriginalMedia: false,
      withholdOthersMedia: false,
      startTime: 0,
      endTime: CREATE_TIME,
    },
    [{ jobType: 'COMPANY', userId: null, dataTypes: ['WORKPLACE_COMPANY_METADATA_GROUPS'] }],
  );
  exportId = created.id;
  jobId = (await metadata.jobs.companyJob(exportId)).id;

  // Keep-alive sockets of fetch must not hold close() open when a response ends just as the
  // test does (fastify closes only connections that are idle at that moment).
  app = Fastify({ forceCloseConnections: true });
  // The app's real error handler maps to the Graph envelope; this stands in for it.
  app.setErrorHandler((error, _request, reply) => {
    const status =
      error instanceof DownloadUrlError ? 403 : error instanceof NotFoundError ? 404 : 500;
    const message = error instanceof Error ? error.message : String(error);
    const code =
      error instanceof DownloadUrlError ? error.reason : (error as { code?: string }).code;
    return reply.code(status).send({ error: { message, code } });
  });
  registerDownloadRoute(app, {
    files: metadata.files,
    blobs,
    signer,
    audit: new AuditService(metadata, { now: () => nowMs }),
  });
  await app.ready();
});

afterEach(async () => {
  await app.close();
  await blobs.close();
  await metadata.close();
  await rm(dir, { recursive: true, force: true });
});

async function addFile(
  bytes: Buffer,
  name = 'dyi-export-part-1.zip',
  contentType = 'application/zip',
): Promise<DyiFile> {
  const id = await metadata.files.allocateId(communityId);
  const blobKey = blobKeyForFile(exportId, jobId, id);
  const stored = await blobs.put(blobKey, Readable.from([bytes]));
  return metadata.files.create(id, {
    jobId,
    communityId,
    name,
    size: stored.size,
    sha256: stored.sha256,
    contentType,
    partNumber: 1,
    leftOutCount: 0,
    blobKey,
    createTime: CREATE_TIME,
  });
}

/** Path and query of a fresh signed URL, to use against any host. */
function signedPath(file: { id: string; name: string }): string {
  const url = new URL(signer.sign(file).url);
  return `${url.pathname}${url.search}`;
}

function get(
  file: DyiFile,
  headers: Record<string, string> = {},
  method: 'GET' | 'HEAD' = 'GET',
): Promise<LightMyRequestResponse> {
  return app.inject({ method, url: signedPath(file), headers });
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('download route through inject()', () => {
  it('sends the whole file with every header a resuming client needs', async () => {
    const bytes = randomBytes(300_001);
    const file = await addFile(bytes);
    const response = await get(file);
    expect(response.statusCode).toBe(200);
    expect(fingerprint(response.rawPayload)).toEqual(fingerprint(bytes));
    expect(sha256(response.rawPayload)).toBe(file.sha256);
    expect(response.headers).toMatchObject({
      'content-type': 'application/zip',
      'content-length': '300001',
      'accept-ranges': 'bytes',
      etag: `"${file.sha256}"`,
      'last-modified': LAST_MODIFIED,
      'cache-control': 'private, max-age=0',
      'content-disposition':
        'attachment; filename="dyi-export-part-1.zip"; filename*=UTF-8\'\'dyi-export-part-1.zip',
    });
    expect(response.headers['content-range']).toBeUndefined();
  });

  it('answers HEAD with the same headers and no body', async () => {
    const file = await addFile(randomBytes(12_345));
    const response = await get(file, {}, 'HEAD');
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.length).toBe(0);
    expect(response.headers['content-length']).toBe('12345');
    expect(response.headers.etag).toBe(`"${file.sha256}"`);
    const ranged = await get(file, { range: 'bytes=10-19' }, 'HEAD');
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-length']).toBe('10');
    expect(ranged.headers['content-range']).toBe('bytes 10-19/12345');
    expect(ranged.rawPayload.length).toBe(0);
  });

  it.each([
    ['bytes=0-0', 0, 0],
    ['bytes=100-199', 100, 199],
    ['bytes=9999-9999', 9999, 9999],
    ['bytes=9000-', 9000, 9999],
    ['bytes=-1', 9999, 9999],
    ['bytes=-500', 9500, 9999],
    ['bytes=-20000', 0, 9999],
    ['bytes=5000-20000', 5000, 9999],
    ['bytes = 1 - 2', 1, 2],
  ])('serves %s as 206 with bytes %i-%i', async (range, start, end) => {
    const bytes = randomBytes(10_000);
    const file = await addFile(bytes);
    const response = await get(file, { range });
    expect(response.statusCode).toBe(206);
    expect(fingerprint(response.rawPayload)).toEqual(fingerprint(bytes.subarray(start, end + 1)));
    expect(response.headers['content-range']).toBe(`bytes ${start}-${end}/10000`);
    expect(response.headers['content-length']).toBe(String(end - start + 1));
    expect(response.headers.etag).toBe(`"${file.sha256}"`);
  });

  it.each(['bytes=10000-', 'bytes=10000-10005', 'bytes=-0'])(
    'answers the unsatisfiable %s with 416 and the size',
    async (range) => {
      const file = await addFile(randomBytes(10_000));
      const response = await get(file, { range });
      expect(response.statusCode).toBe(416);
      expect(response.headers['content-range']).toBe('bytes */10000');
      expect(response.rawPayload.length).toBe(0);
    },
  );

  it.each(['bytes=0-9,20-29', 'items=0-9', 'bytes=abc', 'bytes=9-5', 'bytes=-'])(
    'ignores the range %s it does not serve and sends the whole file',
    async (range) => {
      const bytes = randomBytes(10_000);
      const file = await addFile(bytes);
      const response = await get(file, { range });
      expect(response.statusCode).toBe(200);
      expect(fingerprint(response.rawPayload)).toEqual(fingerprint(bytes));
    },
  );

  it('honours Range when If-Range is the ETag or a date at or after Last-Modified', async () => {
    const bytes = randomBytes(10_000);
    const file = await addFile(bytes);
    for (const ifRange of [`"${file.sha256}"`, LAST_MODIFIED, 'Wed, 15 Nov 2023 00:00:00 GMT']) {
      const response = await get(file, { range: 'bytes=100-199', 'if-range': ifRange });
      expect(response.statusCode, ifRange).toBe(206);
      expect(fingerprint(response.rawPayload)).toEqual(fingerprint(bytes.subarray(100, 200)));
    }
  });

  it('sends the whole file when If-Range names another version', async () => {
    const bytes = randomBytes(10_000);
    const file = await addFile(bytes);
    const others = [
      `"${'0'.repeat(64)}"`,
      `W/"${file.sha256}"`,
      'Tue, 14 Nov 2023 22:13:19 GMT',
      'not a date',
    ];
    for (const ifRange of others) {
      const response = await get(file, { range: 'bytes=100-199', 'if-range': ifRange });
      expect(response.statusCode, ifRange).toBe(200);
      expect(fingerprint(response.rawPayload)).toEqual(fingerprint(bytes));
    }
  });

  it('answers 304 without a body when If-None-Match matches', async () => {
    const file = await addFile(randomBytes(1000));
    for (const ifNoneMatch of [
      `"${file.sha256}"`,
      `W/"${file.sha256}"`,
      `"x", "${file.sha256}"`,
      '*',
    ]) {
      const response = await get(file, { 'if-none-match': ifNoneMatch, range: 'bytes=0-9' });
      expect(response.statusCode, ifNoneMatch).toBe(304);
      expect(response.rawPayload.length).toBe(0);
      expect(response.headers.etag).toBe(`"${file.sha256}"`);
      expect(response.headers['cache-control']).toBe('private, max-age=0');
    }
    const changed = await get(file, { 'if-none-match': '"other"' });
    expect(changed.statusCode).toBe(200);
    expect(changed.rawPayload.length).toBe(1000);
  });

  it('answers 403 "expired" once the URL has expired', async () => {
    const file = await addFile(randomBytes(10));
    const url = signedPath(file);
    nowMs += 3600 * 1000;
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      error: {
        code: 'expired',
        message: expect.stringMatching(/expired.*GET \/\{job_id\}\/files again/) as unknown,
      },
    });
  });

  it('answers 403 "tampered" to edited signatures, expiries and file ids', async () => {
    const file = await addFile(randomBytes(10));
    const other = await addFile(randomBytes(10));
    const url = new URL(signedPath(file), 'http://dyi.test');
    const signature = url.searchParams.get('signature') ?? '';
    const expires = url.searchParams.get('expires') ?? '';
    const edits = [
      `/dyi-files/${file.id}/x.zip?expires=${expires}&signature=${signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))}`,
      `/dyi-files/${file.id}/x.zip?expires=${Number(expires) + 1}&signature=${signature}`,
      `/dyi-files/${other.id}/x.zip?expires=${expires}&signature=${signature}`,
      `/dyi-files/${file.id}/x.zip?expires=${expires}`,
      `/dyi-files/${file.id}/x.zip`,
      `/dyi-files/${file.id}/x.zip?expires=${expires}&signature=${signature}&signature=${signature}`,
    ];
    for (const edited of edits) {
      const response = await app.inject({ method: 'GET', url: edited });
      expect(response.statusCode, edited).toBe(403);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('tampered');
    }
  });

  it('serves the file the signed id names, whatever name the path carries', async () => {
    const bytes = randomBytes(100);
    const file = await addFile(bytes);
    const response = await app.inject({
      method: 'GET',
      url: signedPath({ id: file.id, name: 'renamed by hand.bin' }),
    });
    expect(response.statusCode).toBe(200);
    expect(fingerprint(response.rawPayload)).toEqual(fingerprint(bytes));
  });

  it('answers 404 for a validly signed unknown id', async () => {
    const response = await app.inject({
      method: 'GET',
      url: signedPath({ id: '999999999999999', name: 'a.zip' }),
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'not_found' } });
    expect(response.body).toContain('999999999999999');
  });

  it('answers 404 naming the file, not the blob key, when the blob is gone', async () => {
    const file = await addFile(randomBytes(100));
    await blobs.deletePrefix(`exports/${exportId}/`);
    const response = await get(file);
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain(file.id);
    expect(response.body).not.toContain('exports/');
  });

  it('names a file with spaces, quotes and non-ASCII safely for old and new clients', async () => {
    const bytes = randomBytes(100);
    const file = await addFile(bytes, 'Données 2024 "final" (1)–été.zip');
    const url = signedPath(file);
    expect(url).toContain('/Donn%C3%A9es%202024%20%22final%22%20(1)%E2%80%93%C3%A9t%C3%A9.zip?');
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    expect(fingerprint(response.rawPayload)).toEqual(fingerprint(bytes));
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="Donn_es 2024 _final_ (1)__t_.zip"; ' +
        "filename*=UTF-8''Donn%C3%A9es%202024%20%22final%22%20%281%29%E2%80%93%C3%A9t%C3%A9.zip",
    );
  });

  it('serves an empty file, and answers 416 to any range of it', async () => {
    const file = await addFile(Buffer.alloc(0), 'empty.json', 'application/json');
    const response = await get(file);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe('0');
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers.etag).toBe(`"${sha256(Buffer.alloc(0))}"`);
    expect((await get(file, { range: 'bytes=0-' })).statusCode).toBe(416);
    expect((await get(file, { range: 'bytes=-5' })).statusCode).toBe(416);
  });
});

describe('download route on a listening server', () => {
  let origin: string;
  const bytes = randomBytes(3 * 1024 * 1024 + 12_345);
  let file: DyiFile;

  beforeEach(async () => {
    file = await addFile(bytes, 'part 1 – été.zip');
    await app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  it('streams the whole file to fetch with the right sha256', async () => {
    const response = await fetch(`${origin}${signedPath(file)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    expect(response.headers.get('transfer-encoding')).toBeNull();
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBe(bytes.length);
    expect(sha256(body)).toBe(file.sha256);
  });

  it('answers HEAD over the socket with headers only', async () => {
    const response = await fetch(`${origin}${signedPath(file)}`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    expect(response.headers.get('etag')).toBe(`"${file.sha256}"`);
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  it('resumes: a client that hangs up mid-download fetches the rest with If-Range', async () => {
    const url = `${origin}${signedPath(file)}`;
    const head = await downloadUntil(url, 1024 * 1024);
    expect(head.status).toBe(200);
    expect(fingerprint(head.body)).toEqual(fingerprint(bytes.subarray(0, head.body.length)));

    const rest = await fetch(url, {
      headers: { range: `bytes=${head.body.length}-`, 'if-range': head.etag },
    });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe(
      `bytes ${head.body.length}-${bytes.length - 1}/${bytes.length}`,
    );
    const whole = Buffer.concat([head.body, Buffer.from(await rest.arrayBuffer())]);
    expect(sha256(whole)).toBe(file.sha256);
  });

  it('closes the blob when a client hangs up mid-download', async () => {
    const openBlobs = async (): Promise<number> => {
      const links = await readdir('/proc/self/fd').then((fds) =>
        Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => ''))),
      );
      return links.filter((target) => target.startsWith(dir)).length;
    };
    for (let i = 0; i < 5; i++) await downloadUntil(`${origin}${signedPath(file)}`, 64 * 1024);
    const deadline = Date.now() + 5000;
    while ((await openBlobs()) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await openBlobs()).toBe(0);
  });

  it('serves each range form over the socket', async () => {
    const url = `${origin}${signedPath(file)}`;
    const size = bytes.length;
    const cases: [string, number, number][] = [
      ['bytes=0-0', 0, 0],
      [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
      ['bytes=1048570-1048580', 1_048_570, 1_048_580],
      [`bytes=${size - 100}-`, size - 100, size - 1],
      ['bytes=-2000000', size - 2_000_000, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const response = await fetch(url, { headers: { range } });
      expect(response.status, range).toBe(206);
      expect(fingerprint(Buffer.from(await response.arrayBuffer()))).toEqual(
        fingerprint(bytes.subarray(start, end + 1)),
      );
    }
    const unsatisfiable = await fetch(url, { headers: { range: `bytes=${size}-` } });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers.get('content-range')).toBe(`bytes */${size}`);
  });

  it.each([
    ['shorter', 1000],
    ['longer', 4 * 1024 * 1024],
  ])(
    'breaks the response instead of hanging when the blob is %s than its row says',
    async (_label, size) => {
      await blobs.put(file.blobKey, Readable.from([randomBytes(size)]));
      const url = `${origin}${signedPath(file)}`;
      await expect(fetch(url).then((response) => response.arrayBuffer())).rejects.toThrow();
      // Ranges inside the blob still work, and the server goes on serving.
      const first = await fetch(url, { headers: { range: 'bytes=0-99' } });
      expect(first.status).toBe(206);
      expect((await first.arrayBuffer()).byteLength).toBe(100);
    },
  );

  it('answers 403 and 404 as JSON over the socket', async () => {
    const expired = signedPath(file);
    nowMs += 7200 * 1000;
    const response = await fetch(`${origin}${expired}`);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'expired' } });
    const unknown = await fetch(`${origin}${signedPath({ id: '123456789012345', name: 'x' })}`);
    expect(unknown.status).toBe(404);
  });
});

/**
 * GETs with Node's http client, keeps the first `limit` bytes or a little more, then hangs up,
 * as an interrupted download does.
 */
function downloadUntil(
  url: string,
  limit: number,
): Promise<{ status: number; etag: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, (response) => {
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= limit) {
          request.destroy();
          resolve({
            status: response.statusCode ?? 0,
            etag: String(response.headers.etag),
            body: Buffer.concat(chunks),
          });
        }
      });
      response.on('error', () => undefined);
    });
    request.on('error', (error) => {
      if (!request.destroyed) reject(error);
    });
    request.end();
  });
}

/** Length and hash: compared instead of the bytes, which vitest would diff one by one. */
function fingerprint(bytes: Uint8Array): { length: number; sha256: string } {
  return { length: bytes.length, sha256: sha256(bytes) };
}
