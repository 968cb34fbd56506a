/**
 * The scale-out tests' balancer against two plain node:http servers: it spreads requests one
 * by one even over one kept-alive connection, says which backend answered, streams request
 * and answer bodies unchanged, and passes Range requests and their 206 answers through.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_HEADER, type RoundRobinBalancer, startBalancer } from './round-robin-balancer.js';

const FILE = Buffer.alloc(300 * 1024).map((_, i) => (i * 31) & 0xff);

let backends: Server[];
let balancer: RoundRobinBalancer;
/** One connection to the balancer, kept alive: requests on it must still be spread. */
const client = new Agent({ connections: 1 });

/** A backend that names itself, echoes a body's hash, and serves FILE with Range. */
function backend(name: string): Server {
  return createServer((incoming, outgoing) => {
    void buffer(incoming).then((body) => {
      const range = /^bytes=(\d+)-(\d+)$/.exec(incoming.headers.range ?? '');
      if (range) {
        const [start, end] = [Number(range[1]), Number(range[2])];
        outgoing.writeHead(206, {
          'content-range': `bytes ${start}-${end}/${FILE.length}`,
          'content-length': String(end - start + 1),
        });
        outgoing.end(FILE.subarray(start, end + 1));
        return;
      }
      outgoing.writeHead(200, { 'content-type': 'application/json', 'x-name': name });
      outgoing.end(
        JSON.stringify({
          name,
          method: incoming.method,
          url: incoming.url,
          sha256: createHash('sha256').update(body).digest('hex'),
          custom: incoming.headers['x-custom'],
        }),
      );
    });
  });
}

beforeAll(async () => {
  backends = [backend('a'), backend('b')];
  await Promise.all(
    backends.map(
      (server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
    ),
  );
  balancer = await startBalancer();
  balancer.setBackends(
    backends.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`),
  );
});

afterAll(async () => {
  await client.close();
  await balancer.close();
  for (const server of backends) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('the round-robin balancer', () => {
  it('sends each request to the next backend, on one connection, and says which', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) {
      const answer = await request(`${balancer.url}/path?i=${i}`, {
        dispatcher: client,
        headers: { 'x-custom': 'kept' },
      });
      const body = (await answer.body.json()) as { name: string; url: string; custom: string };
      answers.push({ backend: answer.headers[BACKEND_HEADER], ...body });
    }
    expect(answers).toEqual(
      ['a', 'b', 'a', 'b'].map((name, i) => ({
        backend: String(i % 2),
        name,
        method: 'GET',
        url: `/path?i=${i}`,
        sha256: createHash('sha256').digest('hex'),
        custom: 'kept',
      })),
    );
    expect(balancer.served().map((served) => served.backend)).toEqual([0, 1, 0, 1]);
  });

  it('streams a request body through unchanged', async () => {
    const answer = await request(`${balancer.url}/upload`, {
      method: 'POST',
      dispatcher: client,
      body: FILE,
    });
    const body = (await answer.body.json()) as { method: string; sha256: string };
    expect(body).toMatchObject({
      method: 'POST',
      sha256: createHash('sha256').update(FILE).digest('hex'),
    });
  });

  it('passes a Range request and its 206 answer through', async () => {
    const answer = await request(`${balancer.url}/file`, {
      dispatcher: client,
      headers: { range: 'bytes=1000-1999' },
    });
    expect(answer.statusCode).toBe(206);
    expect(answer.headers['content-range']).toBe(`bytes 1000-1999/${FILE.length}`);
    expect(Buffer.from(await answer.body.arrayBuffer())).toEqual(FILE.subarray(1000, 2000));
  });
});
