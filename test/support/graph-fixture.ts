/**
 * @module
 * A real server for tests: a fresh data directory, the real stores and services, the Fastify
 * app, and helpers to make communities, tokens, exports and files the way an admin and the
 * engine would. Nothing here is mocked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { freePort } from '../../src/server/free-port.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { type Config, loadConfig, type ConfigOverrides } from '../../src/config.js';
import type {
  Community,
  DyiFile,
  DyiJob,
  ExportJob,
  Member,
  Permission,
} from '../../src/domain/index.js';
import { partFileName } from '../../src/export/archive-paths.js';
import type { Clock } from '../../src/ports/clock.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { buildApp } from '../../src/server/app.js';
import type { RawExportInput } from '../../src/services/export-input.js';
import { clusterCanRun, startClusterFixture } from './cluster-fixture.js';

export interface GraphFixture {
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  readonly config: Config;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** A settable clock, for expiring URLs and rate-limit windows without sleeping. */
export class ManualClock implements Clock {
  constructor(public time = Date.UTC(2026, 10, 29, 12, 0, 0)) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/**
 * A fresh data directory with the real runtime and app in this process; in the scale-out run
 * (`cluster-fixture.ts`), the same backed by a cluster unless `clock` is set.
 */
export async function startGraphFixture(
  overrides: ConfigOverrides = {},
  clock?: Clock,
): Promise<GraphFixture> {
  if (clusterCanRun(clock)) return startClusterFixture(overrides);
  return startInProcessFixture(overrides, clock);
}

/**
 * The fixture in this process in every run, the scale-out one included: for a test about what
 * only one process's own stores can show (a lock held on its SQLite file, a store it closes),
 * which a cluster's processes, on their own connections, never see.
 */
export async function startInProcessFixture(
  overrides: ConfigOverrides = {},
  clock?: Clock,
): Promise<GraphFixture> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-test-'));
  const config = loadConfig({}, { dataDir, logLevel: 'silent', ...overrides });
  const runtime = await openRuntime(config, clock ? { clock } : {});
  const app = await buildApp(runtime);
  return {
    app,
    runtime,
    config,
    dataDir,
    async close() {
      await app.close();
      await runtime.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SeededCommunity {
  readonly community: Community;
  readonly members: Member[];
  /** read_company_data_exports only. */
  readonly readToken: string;
  /** Both permissions. */
  readonly manageToken: string;
  readonly integrationId: string;
}

export async function seedCommunity(
  runtime: Runtime,
  name: string,
  memberCount = 3,
): Promise<SeededCommunity> {
  const community = await runtime.communities.create(name);
  const members: Member[] = [];
  for (let i = 0; i < memberCount; i++) {
    members.push(
      await runtime.communities.addMember(community.id, {
        name: `${name} member ${i + 1}`,
        email: `m${i + 1}@${name.toLowerCase().replace(/\W+/g, '')}.example`,
        status: 'active',
      }),
    );
  }
  const integration = await runtime.access.createIntegration(community.id, { name: 'Exporter' });
  const token = async (permissions: Permission[]): Promise<string> =>
    (await runtime.access.createToken(integration.id, permissions)).token;
  return {
    community,
    members,
    readToken: await token(['read_company_data_exports']),
    manageToken: await token(['read_company_data_exports', 'manage_company_data_exports']),
    integrationId: integration.id,
  };
}

export async function createExport(
  runtime: Runtime,
  communityId: string,
  input: RawExportInput = {},
): Promise<ExportJob> {
  return runtime.exports.create(communityId, {
    data_types: ['WORKPLACE_COMPANY_METADATA_USER_PROFILE', 'POSTS_YOUR_ACTIVITY'],
    dyi_format: 'JSON',
    media_quality: 'HIGH',
    start_time: '2026-01-01T00:00:00Z',
    end_time: '2026-11-01T00:00:00Z',
    ...input,
  });
}

/** Runs a job the way the engine does: start, store files, complete. */
export async function completeJobWithFiles(
  runtime: Runtime,
  job: DyiJob,
  contents: readonly (string | Buffer)[],
): Promise<DyiFile[]> {
  await runtime.jobs.start(job.id, 'test-run');
  const files: DyiFile[] = [];
  for (const [index, content] of contents.entries()) {
    files.push(
      await runtime.jobs.storeFile(job, 'test-run', {
        name: partFileName(job, index + 1),
        contentType: 'application/zip',
        partNumber: index + 1,
        body: Readable.from([Buffer.from(content)]),
      }),
    );
  }
  await runtime.jobs.complete(job.id, 'test-run');
  return files;
}

/** Every job of an export, company job first. */
export async function jobsOf(runtime: Runtime, exportId: string): Promise<DyiJob[]> {
  const company = await runtime.exports.companyJob(exportId);
  const users = await runtime.jobs.listUserJobs(exportId, { limit: 100_000 });
  return [company, ...users.items];
}

/** A fixture whose app listens on a loopback port, for clients that need a real socket. */
export interface ListeningFixture extends GraphFixture {
  readonly port: number;
  /** `http://127.0.0.1:<port>`, also the server's `publicUrl`. */
  readonly baseUrl: string;
}

/**
 * Starts the real server on a free loopback port, with `publicUrl` set to it so that
 * `download_url` and `paging` links point back at this server.
 */
export async function startListeningFixture(
  overrides: ConfigOverrides = {},
  clock?: Clock,
): Promise<ListeningFixture> {
  if (clusterCanRun(clock)) return startClusterFixture(overrides);
  // The port is free when probed but could be taken before listen(): try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort('127.0.0.1');
    const baseUrl = `http://127.0.0.1:${port}`;
    const fixture = await startGraphFixture({ ...overrides, port, publicUrl: baseUrl }, clock);
    try {
      await fixture.app.listen({ port, host: '127.0.0.1' });
      return {
        ...fixture,
        port,
        baseUrl,
        async close() {
          // Clients pool sockets (fetch may even hold one that never carried a request, which
          // Node does not count as idle), so end them all rather than wait out their timeouts.
          fixture.app.server.closeAllConnections();
          await fixture.close();
        },
      };
    } catch (error) {
      await fixture.close();
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!inUse || attempt >= 5) throw error;
    }
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export interface GraphAnswer {
  readonly status: number;
  readonly body: any;
  readonly headers: Record<string, string | string[] | number | undefined>;
}

/** One Graph call through `inject`, with the token in the query string when given. */
export async function graph(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  options: { token?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<GraphAnswer> {
  const target = new URL(url, 'http://graph.test');
  if (options.token !== undefined) target.searchParams.set('access_token', options.token);
  const response = await app.inject({
    method,
    url: target.pathname + target.search,
    ...(options.form && {
      payload: new URLSearchParams(options.form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
    }),
    ...(!options.form && options.headers && { headers: options.headers }),
  });
  return {
    status: response.statusCode,
    body: response.body === '' ? undefined : (JSON.parse(response.body) as unknown),
    headers: response.headers,
  };
}

/** Path and query of an absolute URL our server made, for `inject`. */
export function localPath(absolute: string): string {
  const url = new URL(absolute);
  return url.pathname + url.search;
}
