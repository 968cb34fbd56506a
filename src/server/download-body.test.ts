/**
 * @module
 * Tests of `DownloadBody` on real files: the bytes and chunks it gives in both of its ways
 * (piped into an HTTP response, where it reuses two buffers, and read by anything else), its
 * errors for a blob of the wrong length, and that a slow client never sees a buffer refilled
 * before its bytes were sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDiskBlobStore } from '../adapters/local-disk/local-disk-blob-store.js';
import type { ByteRange } from '../ports/blob-store.js';
import { DownloadBody } from './download-body.js';

const MIB = 1024 * 1024;
const KEY = 'exports/1/2/3';

let dir: string;
let blobs: LocalDiskBlobStore;
let server: Server | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dyi-download-body-'));
  blobs = new LocalDiskBlobStore({ root: dir });
  await blobs.init();
});

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A body of `length` bytes over the blob: the whole file reads one byte more, as the route does. */
async function bodyOf(
  length: number,
  range: ByteRange = { start: 0, end: length },
  counted: number[] = [],
): Promise<DownloadBody> {
  return new DownloadBody(await blobs.openFile(KEY, range), length, (bytes) => counted.push(bytes));
}

/** The chunks a plain consumer (a hook's Transform) receives. */
async function chunksThroughTransform(body: DownloadBody): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  const transform = new PassThrough();
  body.once('error', (error) => transform.destroy(error));
  for await (const chunk of body.pipe(transform)) chunks.push(chunk as Buffer);
  return chunks;
}

/**
 * Serves `makeBody()` piped into the response, and GETs it with a client that waits `pauseMs`
 * before reading, so that the socket fills and writes complete late: a buffer refilled before
 * its write was done would show as changed bytes.
 */
async function throughResponse(
  makeBody: () => Promise<DownloadBody>,
  pauseMs = 0,
): Promise<{ received: Buffer; complete: boolean }> {
  server = createServer((_request, response) => {
    void makeBody().then((body) => {
      body.once('error', () => response.destroy());
      body.pipe(response);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve) => {
    get(`http://127.0.0.1:${port}/`, (response) => {
      response.pause();
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ received: Buffer.concat(chunks), complete: true }));
      response.on('error', () => resolve({ received: Buffer.concat(chunks), complete: false }));
      setTimeout(() => response.resume(), pauseMs);
      // A body that fails before its first byte takes the response down before its headers.
    }).on('error', () => resolve({ received: Buffer.alloc(0), complete: false }));
  });
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('DownloadBody', () => {
  it('gives a Transform the file in 1 MiB chunks, counted', async () => {
    const bytes = randomBytes(3 * MIB + 12_345);
    await blobs.put(KEY, Readable.from([bytes]));
    const counted: number[] = [];
    const chunks = await chunksThroughTransform(await bodyOf(bytes.length, undefined, counted));
    expect(chunks.map((chunk) => chunk.length)).toEqual([MIB, MIB, MIB, 12_345]);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect(counted).toEqual([MIB, MIB, MIB, 12_345]);
  });

  it('sends a slow client the exact bytes through reused buffers, counted alike', async () => {
    // Larger than loopback's socket buffers, so that writes wait for the client.
    const bytes = randomBytes(24 * MIB + 5);
    await blobs.put(KEY, Readable.from([bytes]));
    const counted: number[] = [];
    const { received, complete } = await throughResponse(
      () => bodyOf(bytes.length, undefined, counted),
      300,
    );
    expect(complete).toBe(true);
    expect({ length: received.length, sha256: sha256(received) }).toEqual({
      length: bytes.length,
      sha256: sha256(bytes),
    });
    expect(counted).toEqual([...Array<number>(24).fill(MIB), 5]);
  });

  it('sends a range through the response as through a Transform', async () => {
    const bytes = randomBytes(3 * MIB);
    await blobs.put(KEY, Readable.from([bytes]));
    const range = { start: 1_048_570, end: 2 * MIB + 99 };
    const length = range.end - range.start + 1;
    const { received } = await throughResponse(() => bodyOf(length, range));
    const expected = bytes.subarray(range.start, range.end + 1);
    expect(received.equals(expected)).toBe(true);
    const chunks = await chunksThroughTransform(await bodyOf(length, range));
    expect(Buffer.concat(chunks).equals(expected)).toBe(true);
  });

  it.each([
    ['shorter', 1000, 'only 1000 of the 2000 bytes'],
    ['longer', 3 * MIB, 'more than the 2000 bytes'],
  ])('fails a blob %s than its length, in both ways', async (_label, size, message) => {
    await blobs.put(KEY, Readable.from([randomBytes(size)]));
    await expect(chunksThroughTransform(await bodyOf(2000))).rejects.toThrow(message);
    let failure: Error | undefined;
    const { complete } = await throughResponse(async () => {
      const body = await bodyOf(2000);
      body.once('error', (error) => (failure = error));
      return body;
    });
    expect(complete).toBe(false);
    expect(failure?.message).toContain(message);
  });

  it('closes the blob when the response is gone', async () => {
    const bytes = randomBytes(24 * MIB);
    await blobs.put(KEY, Readable.from([bytes]));
    const body = await bodyOf(bytes.length);
    server = createServer((_request, response) => body.pipe(response));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const request = get(`http://127.0.0.1:${port}/`, (response) => {
      response.once('data', () => request.destroy());
    });
    request.on('error', () => undefined);
    const closed = new Promise((resolve) => body.once('close', resolve));
    // What fastify does when the response closes early: it destroys the body.
    server.once('request', (_request, response) => response.once('close', () => body.destroy()));
    await closed;
    const links = await readdir('/proc/self/fd').then((fds) =>
      Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => ''))),
    );
    expect(links.filter((target) => target.startsWith(dir))).toEqual([]);
  });
});
