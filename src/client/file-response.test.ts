/**
 * `fetchInto` against a real HTTP server on a loopback port that answers each path its own
 * way (a whole file, a fitting or misplaced range, 416, Graph and non-Graph error pages, a body
 * cut half-way): what reaches the sink, and the error thrown, match what the request-and-stream
 * reading it replaced gave (kept below as the reference) for every answer, byte for byte. Also:
 * a sink that throws stops the download with its own error and leaves the connection usable, a
 * sink that asks to wait pauses the reading, and an abort signal stops a request before and
 * after its answer began.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchInto, PartMismatchError, type PartSink } from './file-response.js';
import { GraphClient } from './graph-client.js';
import { GraphRequestError } from './graph-request-error.js';

const FILE = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(100));
const ETAG = '"v1"';

/** One way of answering, chosen by the request's path. */
const ANSWERS: Record<
  string,
  (request: http.IncomingMessage, response: http.ServerResponse) => void
> = {
  '/whole': (_request, response) => {
    response.writeHead(200, { etag: ETAG, 'content-length': FILE.length });
    // Two writes a moment apart: the body comes in more than one chunk.
    response.write(FILE.subarray(0, 1000));
    setTimeout(() => response.end(FILE.subarray(1000)), 20);
  },
  '/range': (request, response) => {
    const from = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
    if (request.headers['if-range'] !== ETAG) {
      response.writeHead(200, { etag: '"v2"', 'content-length': FILE.length }).end(FILE);
      return;
    }
    response.writeHead(206, {
      etag: ETAG,
      'content-range': `bytes ${from}-${FILE.length - 1}/${FILE.length}`,
      'content-length': FILE.length - from,
    });
    response.end(FILE.subarray(from));
  },
  '/misplaced': (_request, response) => {
    response.writeHead(206, {
      'content-range': `bytes 0-${FILE.length - 1}/${FILE.length}`,
      'content-length': FILE.length,
    });
    response.end(FILE);
  },
  '/unsatisfiable': (_request, response) => {
    response.writeHead(416, { 'content-range': `bytes */${FILE.length}` }).end();
  },
  '/graph-error': (_request, response) => {
    const body = JSON.stringify({ error: { message: 'Busy', type: 'OAuthException', code: 2 } });
    response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '7' });
    response.end(body);
  },
  '/proxy-page': (_request, response) => {
    response.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
  },
  '/empty-error': (_request, response) => {
    response.writeHead(500).end();
  },
  '/cut': (_request, response) => {
    response.writeHead(200, { etag: ETAG, 'content-length': FILE.length });
    response.write(FILE.subarray(0, 1500), () => setTimeout(() => response.destroy(), 20));
  },
  '/slow': (_request, response) => {
    response.writeHead(200, { etag: ETAG, 'content-length': FILE.length });
    response.write(FILE.subarray(0, 100));
  },
};

let server: http.Server;
let origin: string;
let client: GraphClient;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const answer = ANSWERS[new URL(request.url ?? '/', 'http://x').pathname];
    if (answer) answer(request, response);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new GraphClient({ token: 'unused', baseUrl: origin, idleTimeoutMs: 5_000 });
});

afterAll(async () => {
  await client?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/** What a download saw: how the answer began, the bytes kept, and the error if any. */
interface Outcome {
  readonly begun: { restarted: boolean; etag: string | undefined } | undefined;
  readonly bytes: string;
  readonly error: { kind: string; message: string; status?: number; retry?: number } | undefined;
}

function describeError(error: unknown): Outcome['error'] {
  if (error === undefined) return undefined;
  if (error instanceof GraphRequestError) {
    return {
      kind: 'graph',
      message: error.message,
      status: error.status,
      ...(error.retryAfterSeconds !== undefined && { retry: error.retryAfterSeconds }),
    };
  }
  if (error instanceof PartMismatchError) return { kind: 'mismatch', message: error.message };
  return { kind: (error as Error).name, message: '' };
}

async function viaFetchInto(path: string, have: number, etag?: string): Promise<Outcome> {
  let begun: Outcome['begun'];
  const chunks: Buffer[] = [];
  const sink: PartSink = {
    begin: (restarted, answered) => (begun = { restarted, etag: answered }),
    write: (chunk) => {
      chunks.push(Buffer.from(chunk));
      return undefined;
    },
  };
  const error = await fetchInto(client, origin + path, have, etag, sink, undefined).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return { begun, bytes: Buffer.concat(chunks).toString(), error: describeError(error) };
}

/** The reading `fetchInto` replaced: `request()`, then its body stream, in flowing mode. */
async function viaRequestStream(path: string, have: number, etag?: string): Promise<Outcome> {
  let begun: Outcome['begun'];
  const chunks: Buffer[] = [];
  const error = await (async () => {
    const url = new URL(origin + path);
    const headers: Record<string, string> = {};
    if (have > 0) {
      headers.range = `bytes=${have}-`;
      if (etag !== undefined) headers['if-range'] = etag;
    }
    const response = await client.dispatcher.request({
      origin: url.origin,
      path: url.pathname,
      method: 'GET',
      headers,
    });
    const single = (value: string | string[] | undefined) =>
      Array.isArray(value) ? value[0] : value;
    let restarted: boolean;
    let answered = etag;
    if (response.statusCode === 200) {
      restarted = true;
      answered = single(response.headers.etag);
    } else if (response.statusCode === 206) {
      const start = /^bytes (\d+)-/.exec(single(response.headers['content-range']) ?? '')?.[1];
      if (Number(start) !== have) {
        await response.body.dump();
        throw new PartMismatchError(`asked for bytes from ${have}, got a range from ${start}`);
      }
      restarted = false;
    } else {
      const text = await response.body.text().catch(() => '');
      if (response.statusCode === 416) {
        throw new PartMismatchError(`the server cannot serve bytes from ${have}`);
      }
      const parsed = (() => {
        try {
          return (JSON.parse(text) as { error?: { message: string } }).error;
        } catch {
          return undefined;
        }
      })();
      const retryAfter = Number(single(response.headers['retry-after']));
      throw new GraphRequestError(
        `GET ${url.origin}${url.pathname}`,
        response.statusCode,
        typeof parsed === 'object' ? parsed : { message: text.slice(0, 200) || 'no body' },
        Number.isFinite(retryAfter) ? retryAfter : undefined,
      );
    }
    begun = { restarted, etag: answered };
    const ended = finished(response.body);
    response.body.on('data', (chunk: Buffer) => chunks.push(chunk));
    await ended;
  })().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return { begun, bytes: Buffer.concat(chunks).toString(), error: describeError(error) };
}

describe('fetchInto', () => {
  it.each([
    ['/whole', 0, undefined],
    ['/range', 700, ETAG],
    ['/range', 700, '"v0"'],
    ['/misplaced', 700, ETAG],
    ['/unsatisfiable', FILE.length, ETAG],
    ['/graph-error', 0, undefined],
    ['/proxy-page', 0, undefined],
    ['/empty-error', 0, undefined],
    ['/cut', 0, undefined],
  ] as const)(
    'gives the sink what the request stream gave for %s from byte %i',
    async (path, have, etag) => {
      const expected = await viaRequestStream(path, have, etag);
      const actual = await viaFetchInto(path, have, etag);
      expect(actual).toEqual(expected);
    },
  );

  it('hands over a whole file, a resumed range and a cut body as the server sent them', async () => {
    expect(await viaFetchInto('/whole', 0)).toEqual({
      begun: { restarted: true, etag: ETAG },
      bytes: FILE.toString(),
      error: undefined,
    });
    expect(await viaFetchInto('/range', 700, ETAG)).toEqual({
      begun: { restarted: false, etag: ETAG },
      bytes: FILE.subarray(700).toString(),
      error: undefined,
    });
    const cut = await viaFetchInto('/cut', 0);
    expect(cut.bytes).toBe(FILE.subarray(0, 1500).toString());
    expect(cut.error?.kind).not.toBeUndefined();
  });

  it("stops with the sink's own error, and the connection serves the next request", async () => {
    const full = new Error('ENOSPC: no space left on device');
    const refusing: PartSink = {
      begin: () => undefined,
      write: () => {
        throw full;
      },
    };
    await expect(
      fetchInto(client, `${origin}/whole`, 0, undefined, refusing, undefined),
    ).rejects.toBe(full);
    const refusedAtOpen: PartSink = {
      begin: () => {
        throw full;
      },
      write: () => expect.unreachable('no chunk after a failed begin'),
    };
    await expect(
      fetchInto(client, `${origin}/whole`, 0, undefined, refusedAtOpen, undefined),
    ).rejects.toBe(full);
    expect((await viaFetchInto('/whole', 0)).bytes).toBe(FILE.toString());
  });

  it('reads no further while the sink asks it to wait, and stops with the error its wait rejects with', async () => {
    const events: string[] = [];
    const chunks: Buffer[] = [];
    const waiting: PartSink = {
      begin: () => undefined,
      write: (chunk) => {
        chunks.push(Buffer.from(chunk));
        events.push(`chunk ${chunk.length}`);
        if (chunks.length > 1) return undefined;
        // Longer than the 20 ms the server waits before the rest of the body.
        return new Promise((resolve) =>
          setTimeout(() => {
            events.push('resumed');
            resolve();
          }, 80),
        );
      },
    };
    await fetchInto(client, `${origin}/whole`, 0, undefined, waiting, undefined);
    expect(Buffer.concat(chunks)).toEqual(FILE);
    expect(events.slice(0, 2)).toEqual(['chunk 1000', 'resumed']);

    const full = new Error('ENOSPC: no space left on device');
    const failing: PartSink = { begin: () => undefined, write: () => Promise.reject(full) };
    await expect(
      fetchInto(client, `${origin}/whole`, 0, undefined, failing, undefined),
    ).rejects.toBe(full);
    // The connection was freed: the next request is answered.
    expect((await viaFetchInto('/whole', 0)).bytes).toBe(FILE.toString());
  });

  it('stops on an abort signal, before the request and in the middle of a body', async () => {
    const sink: PartSink = { begin: () => undefined, write: () => undefined };
    const before = new AbortController();
    before.abort();
    await expect(
      fetchInto(client, `${origin}/whole`, 0, undefined, sink, before.signal),
    ).rejects.toMatchObject({ name: 'AbortError' });

    const during = new AbortController();
    const stalled: PartSink = {
      begin: () => undefined,
      write: () => {
        during.abort();
        return undefined;
      },
    };
    await expect(
      fetchInto(client, `${origin}/slow`, 0, undefined, stalled, during.signal),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
