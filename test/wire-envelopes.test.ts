/**
 * Every error a Graph client can receive is a Graph error envelope with `fbtrace_id` equal to
 * the `x-fb-trace-id` header: the answers Fastify itself gives (parameters, bodies, routes)
 * through `inject()`, and the answers Node's HTTP parser gives before Fastify sees a request
 * (over-long request lines and headers, bytes that are not HTTP, lying lengths) through raw
 * sockets to a real listening server.
 */
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GraphFixture,
  seedCommunity,
  type SeededCommunity,
  startGraphFixture,
  startInProcessFixture,
} from './support/graph-fixture.js';
import { parseAnswers } from './support/fuzz-answers.js';

let fixture: GraphFixture;
let seeded: SeededCommunity;
let port: number;

beforeAll(async () => {
  fixture = await startGraphFixture();
  seeded = await seedCommunity(fixture.runtime, 'Wire', 1);
  await fixture.app.listen({ port: 0, host: '127.0.0.1' });
  const address = fixture.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  port = address.port;
});

afterAll(async () => {
  await fixture?.close();
});

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The server closed the connection after this answer. */
  readonly closed: boolean;
}

/** Writes `bytes` on a fresh connection and reads until the server closes it (or 5 s pass). */
function rawRequest(bytes: Buffer | string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let closed = false;
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => (closed = true));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) {
        reject(new Error(`no HTTP answer, got: ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: Buffer.from(text.slice(split + 4), 'latin1').toString('utf8'),
        closed,
      });
    });
    socket.write(bytes);
  });
}

interface Envelope {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    is_transient: boolean;
    fbtrace_id: string;
  };
}

function expectEnvelope(
  status: number,
  headers: Record<string, unknown>,
  body: string,
  expected: { status: number; code: number },
): Envelope {
  expect(status, body).toBe(expected.status);
  const parsed = JSON.parse(body) as Envelope;
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(parsed.error).toMatchObject({
    type: expect.stringMatching(/^(OAuthException|GraphMethodException)$/),
    code: expected.code,
    is_transient: expect.any(Boolean),
    message: expect.stringMatching(new RegExp(`^\\(#${expected.code}\\) .+`)),
  });
  expect(parsed.error.fbtrace_id).toMatch(/^[A-Za-z0-9_-]{6,}$/);
  expect(headers['x-fb-trace-id']).toBe(parsed.error.fbtrace_id);
  return parsed;
}

/** A create whose body Fastify refuses: a Graph envelope, 400, code 100. */
async function expectBodyRefused(
  server: GraphFixture,
  tokens: Pick<SeededCommunity, 'manageToken'>,
  contentType: string,
  payload: string | Buffer,
): Promise<void> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/community/work_dyi_jobs',
    headers: { 'content-type': contentType, authorization: `Bearer ${tokens.manageToken}` },
    payload,
  });
  expectEnvelope(response.statusCode, response.headers, response.body, { status: 400, code: 100 });
}

function expectRefused(answer: RawAnswer, status: number): Envelope {
  const envelope = expectEnvelope(answer.status, answer.headers, answer.body, {
    status,
    code: 100,
  });
  expect(answer.headers.connection).toBe('close');
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  expect(answer.closed).toBe(true);
  return envelope;
}

describe("Fastify's own errors are envelopes", () => {
  it('suppress_http_code given twice with different values: 400, code 100, naming it', async () => {
    for (const url of [
      '/community?suppress_http_code=1&suppress_http_code=0',
      '/v22.0/a/b/c?suppress_http_code=true&suppress_http_code=0',
    ]) {
      const response = await fixture.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${seeded.readToken}` },
      });
      const envelope = expectEnvelope(response.statusCode, response.headers, response.body, {
        status: 400,
        code: 100,
      });
      expect(envelope.error.message).toContain('suppress_http_code');
    }
  });

  it('suppress_http_code given twice with the same value still answers 200', async () => {
    const response = await fixture.app.inject({
      method: 'GET',
      url: '/a/b/c?suppress_http_code=1&suppress_http_code=1',
      headers: { authorization: `Bearer ${seeded.readToken}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<Envelope>().error.code).toBe(2500);
  });

  it('bodies Fastify refuses: bad JSON, empty JSON, unknown content type', async () => {
    const cases: [string, string][] = [
      ['application/json', '{"batch":'],
      ['application/json', ''],
      ['application/xml', '<batch/>'],
    ];
    for (const [contentType, payload] of cases) {
      await expectBodyRefused(fixture, seeded, contentType, payload);
    }
  });

  it('a body too large: 400, code 100', async () => {
    // In this process on every run: the server answers before reading such a body and closes
    // the connection, so a client still sending it over a socket may meet the close (EPIPE)
    // before it reads the answer; inject always reads it.
    const alone = await startInProcessFixture();
    try {
      const { manageToken } = await seedCommunity(alone.runtime, 'Large', 1);
      const payload = Buffer.alloc(5 * 1024 * 1024, 0x20);
      await expectBodyRefused(alone, { manageToken }, 'application/json', payload);
    } finally {
      await alone.close();
    }
  });

  it('an unknown route with any verb: 400, code 2500', async () => {
    for (const method of ['GET', 'PUT', 'PATCH', 'OPTIONS'] as const) {
      const response = await fixture.app.inject({ method, url: '/a/b/c/d' });
      expectEnvelope(response.statusCode, response.headers, response.body, {
        status: 400,
        code: 2500,
      });
    }
  });
});

describe("the HTTP parser's refusals are envelopes, and the connection closes", () => {
  const token = (): string => seeded.readToken;

  it('a URL longer than 16 kB: 431', async () => {
    const answer = await rawRequest(
      `GET /community?fields=${'id,'.repeat(6000)}id&access_token=${token()} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    const envelope = expectRefused(answer, 431);
    expect(envelope.error.message).toContain('16 kB');
    // The refusal never echoes what was sent.
    expect(answer.body).not.toContain(token());
  });

  it('headers longer than 16 kB: 431', async () => {
    const answer = await rawRequest(
      `GET /community HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token()}\r\nX-Pad: ${'a'.repeat(17_000)}\r\n\r\n`,
    );
    expectRefused(answer, 431);
  });

  it('raw non-ASCII bytes in the request line: 400', async () => {
    const answer = await rawRequest(
      Buffer.concat([
        Buffer.from('GET /community/'),
        Buffer.from([0xff, 0xfe, 0x80]),
        Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n'),
      ]),
    );
    expectRefused(answer, 400);
  });

  it('an unknown verb: 400', async () => {
    expectRefused(await rawRequest('FETCH /community HTTP/1.1\r\nHost: x\r\n\r\n'), 400);
  });

  it('Content-Length and Transfer-Encoding together: 400', async () => {
    const answer = await rawRequest(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    expectRefused(answer, 400);
  });

  it('a Content-Length that is not a number: 400', async () => {
    expectRefused(
      await rawRequest('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4x\r\n\r\nabcd'),
      400,
    );
  });

  it('a chunked body whose chunk size is not hex: 400', async () => {
    const answer = await rawRequest(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
    );
    expectRefused(answer, 400);
  });

  it('a Content-Length shorter than the body: the first request is answered, the rest refused', async () => {
    const answer = await rawRequest(
      `POST /?access_token=${token()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1\r\n\r\nbatch=%5B%5D garbage\r\n\r\n`,
    );
    // Two answers on one connection: the first (the body "b") and then the refusal.
    const second = answer.body.indexOf('HTTP/1.1 ');
    expect(second).toBeGreaterThan(0);
    const rest = answer.body.slice(second);
    const split = rest.indexOf('\r\n\r\n');
    const headers = Object.fromEntries(
      rest
        .slice(0, split)
        .split('\r\n')
        .slice(1)
        .map((line) => [
          line.split(':')[0]?.toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
    ) as Record<string, string>;
    expectRefused(
      {
        status: Number(rest.split(' ')[1]),
        headers,
        body: rest.slice(split + 4),
        closed: answer.closed,
      },
      400,
    );
  });

  it('the server goes on answering after the refusals', async () => {
    const answer = await rawRequest(
      `GET /community HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token()}\r\nConnection: close\r\n\r\n`,
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ id: seeded.community.id });
  });
});

describe('batch items reach only the Graph API', () => {
  it('an item naming an admin panel page or a download path is an unknown path, code 2500', async () => {
    const items = [
      { method: 'GET', relative_url: 'admin/exports' },
      { method: 'GET', relative_url: 'v3//admin/files?x=1' },
      { method: 'POST', relative_url: 'admin/sign-in', body: 'email=a@b.c&password=x' },
      { method: 'GET', relative_url: 'dyi-files/1/x.zip?expires=1&signature=x' },
    ];
    const response = await fixture.app.inject({
      method: 'POST',
      url: '/v22.0/',
      payload: { access_token: seeded.readToken, batch: JSON.stringify(items) },
    });
    expect(response.statusCode, response.body).toBe(200);
    const answers =
      response.json<{ code: number; headers: { name: string; value: string }[]; body: string }[]>();
    expect(answers).toHaveLength(items.length);
    for (const [index, answer] of answers.entries()) {
      const headers = Object.fromEntries(answer.headers.map((h) => [h.name, h.value]));
      const envelope = expectEnvelope(answer.code, headers, answer.body, {
        status: 400,
        code: 2500,
      });
      expect(envelope.error.type).toBe('OAuthException');
      // Nothing of the panel comes back: no redirect, no cookie, not the batch's token.
      expect(headers.location, `item ${index}`).toBeUndefined();
      expect(headers['set-cookie'], `item ${index}`).toBeUndefined();
      expect(answer.body).not.toContain(seeded.readToken);
    }
  });
});

describe('while the server shuts down', () => {
  it('a request on a kept-alive connection gets 503, code 2, transient, and the connection closes', async () => {
    // In this process on every run: what is watched is this process's own server closing.
    const closing = await startInProcessFixture();
    const { readToken } = await seedCommunity(closing.runtime, 'Closing', 1);
    await closing.app.listen({ port: 0, host: '127.0.0.1' });
    const address = closing.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const socket = connect({ port: address.port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    // A first request in flight (its body half sent) keeps the connection open during close.
    const arrived = new Promise((resolve) => closing.app.server.once('request', resolve));
    socket.write(
      `POST /community?access_token=${readToken} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\nmethod=`,
    );
    await arrived;
    const closed = closing.app.close();
    // server.close() runs once the close hooks have: from then on the server is closing.
    while (closing.app.server.listening) await new Promise((resolve) => setImmediate(resolve));
    socket.write(
      `get\r\nGET /community HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${readToken}\r\n\r\n`,
    );
    await ended;
    await closed;
    await closing.runtime.close();
    await rm(closing.dataDir, { recursive: true, force: true });
    const { answers } = parseAnswers(Buffer.concat(chunks));
    expect(answers.map((answer) => answer.status)).toEqual([200, 503]);
    const second = answers[1] as { status: number; headers: Record<string, string>; body: string };
    const envelope = expectEnvelope(second.status, second.headers, second.body, {
      status: 503,
      code: 2,
    });
    expect(envelope.error.is_transient).toBe(true);
    expect(second.headers.connection).toBe('close');
  });
});
