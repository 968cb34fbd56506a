/**
 * @module
 * The server side of a loopback bench, run in its own process by `forkServer` so that the load
 * generator never shares its event loop. The parent sends one start message over IPC: either
 * `ours` (open the runtime on a data directory and serve the real app of `buildApp`) or `bare`
 * (a plain Fastify app with one GET route per path that answers a body held in memory). It
 * answers `{ port }` once listening on 127.0.0.1, answers `cpu` with the CPU time this process
 * has used so far (so that the parent can tell server cost apart from load-generator cost), and
 * on `stop` (or when the parent goes away) closes the server and the runtime and exits.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ConfigOverrides } from '../../src/config.js';
import type { Runtime } from '../../src/runtime.js';

/**
 * Our side runs the compiled package (`npm run build`), as `npm start` does: through tsx,
 * esbuild's name-keeping wrappers would add cost per call that production never pays.
 */
const BUILT = new URL('../../dist/index.js', import.meta.url).href;

async function loadBuilt(build?: string): Promise<typeof import('../../src/index.js')> {
  const url = build === undefined ? BUILT : pathToFileURL(path.resolve(build, 'index.js')).href;
  try {
    return (await import(url)) as typeof import('../../src/index.js');
  } catch (error) {
    throw new Error('dist/ is missing or stale: run `npm run build` before the bench.', {
      cause: error,
    });
  }
}

export interface BareRoute {
  /** A path without query string, e.g. `/123/files`. */
  readonly path: string;
  /** The parsed JSON body; Fastify serializes it on every request, as it does for ours. */
  readonly body: unknown;
}

export type StartMessage =
  | {
      readonly mode: 'ours';
      readonly dataDir: string;
      readonly overrides: ConfigOverrides;
      /** A compiled build's folder (the one with `index.js`) to serve; default `dist/`. */
      readonly build?: string;
    }
  | { readonly mode: 'bare'; readonly routes: readonly BareRoute[] };

export type ParentMessage = StartMessage | { readonly stop: true } | { readonly cpu: true };

export type ChildMessage =
  | { readonly port: number }
  | { readonly error: string }
  /** User plus system CPU time of the server process, in microseconds. */
  | { readonly cpuMicros: number };

let app: FastifyInstance | undefined;
let runtime: Runtime | undefined;
let stopping = false;

async function start(message: StartMessage): Promise<number> {
  if (message.mode === 'ours') {
    const { buildApp, loadConfig, openRuntime } = await loadBuilt(message.build);
    const config = loadConfig(
      {},
      { logLevel: 'silent', ...message.overrides, dataDir: message.dataDir },
    );
    runtime = await openRuntime(config);
    app = await buildApp(runtime, { logger: false });
  } else {
    const bare = Fastify({ logger: false });
    for (const route of message.routes) bare.get(route.path, () => route.body);
    app = bare;
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('server has no port');
  return address.port;
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await app?.close();
  await runtime?.close();
  process.exit(0);
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

process.on('message', (message: ParentMessage) => {
  if ('stop' in message) {
    void stop();
    return;
  }
  if ('cpu' in message) {
    const { user, system } = process.cpuUsage();
    send({ cpuMicros: user + system });
    return;
  }
  if (message.mode !== 'ours' && message.mode !== 'bare') return;
  start(message).then(
    (port) => send({ port }),
    (error: unknown) =>
      send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
// The parent died or let go of us: never outlive it.
process.on('disconnect', () => void stop());
