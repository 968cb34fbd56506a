/**
 * @module
 * The load balancer of the scale-out tests: a loopback HTTP proxy (node:http in, undici out)
 * that sends each request to the next backend in turn, round robin per request and not per
 * connection, so that consecutive requests of one client (a page and the next, a file and its
 * resumption) land on different API processes. Bodies stream both ways; headers pass unchanged
 * but for the hop-by-hop ones, so Range requests and their 206 answers work. Every answer
 * carries `x-test-backend: <index>` saying which backend served it, and `served()` lists them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';

/** Header naming the backend (its index) that answered a request. */
export const BACKEND_HEADER = 'x-test-backend';

/** Headers that belong to one connection, not to the request or answer they travel with. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);

export interface ServedRequest {
  readonly method: string;
  /** Path and query, as the client sent them. */
  readonly url: string;
  readonly backend: number;
  readonly status: number;
}

export interface RoundRobinBalancer {
  /** The balancer's origin, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Sets the origins requests are spread over (until then, every request gets 503). */
  setBackends(origins: readonly string[]): void;
  /** Every request answered so far, in order. */
  served(): readonly ServedRequest[];
  close(): Promise<void>;
}

/** Starts the balancer on 127.0.0.1 and a free port; it has no backends yet. */
export async function startBalancer(): Promise<RoundRobinBalancer> {
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  let backends: readonly string[] = [];
  let next = 0;
  const served: ServedRequest[] = [];

  // Room for request lines and headers past the API processes' own limit (16 kB), so that
  // they, not the balancer, refuse those too long, with their Graph error.
  const server = http.createServer({ maxHeaderSize: 64 * 1024 }, (incoming, outgoing) => {
    if (backends.length === 0) {
      outgoing.writeHead(503, { 'content-type': 'text/plain' }).end('no backends yet');
      return;
    }
    const backend = next++ % backends.length;
    const origin = backends[backend] as string;
    void forward(agent, origin, incoming, outgoing, backend).then(
      (status) =>
        served.push({
          method: incoming.method ?? 'GET',
          url: incoming.url ?? '/',
          backend,
          status,
        }),
      (error: unknown) => {
        if (!outgoing.headersSent) {
          outgoing.writeHead(502, { 'content-type': 'text/plain', [BACKEND_HEADER]: backend });
          outgoing.end(`backend ${backend} (${origin}) failed: ${String(error)}`);
        } else {
          outgoing.destroy();
        }
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    setBackends(origins) {
      backends = [...origins];
    },
    served: () => served,
    // Once: a cluster that failed to start closes its balancer, and so does the fixture.
    close() {
      closing ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await agent.close();
      })();
      return closing;
    },
  };
}

/** Sends one request to `origin` and streams its answer back; resolves with the status. */
async function forward(
  agent: Agent,
  origin: string,
  incoming: http.IncomingMessage,
  outgoing: http.ServerResponse,
  backend: number,
): Promise<number> {
  const method = incoming.method ?? 'GET';
  const abort = new AbortController();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) abort.abort();
  });
  const answer = await request(new URL(incoming.url ?? '/', origin), {
    method: method as 'GET',
    headers: withoutHopByHop(incoming.headers),
    body: method === 'GET' || method === 'HEAD' ? null : incoming,
    dispatcher: agent,
    signal: abort.signal,
  });
  outgoing.writeHead(answer.statusCode, {
    ...withoutHopByHop(answer.headers),
    [BACKEND_HEADER]: String(backend),
  });
  await pipeline(answer.body, outgoing);
  return answer.statusCode;
}

function withoutHopByHop(
  headers: http.IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) kept[name] = value;
  }
  return kept;
}
