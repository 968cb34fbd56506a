/**
 * @module
 * Allocation and CPU time per Graph request, build against build in one process: the measure
 * that holds on a loaded machine, where req/s does not. The data and the two requests are
 * `graph-vs-bare.ts`'s (an export node with a field selection, a user job's `files` edge); each
 * compiled build named (`dist/` by default; another build made with `npx tsc -p
 * tsconfig.build.json --outDir <dir>`) serves them through `inject()`, beside a bare Fastify app
 * answering the same JSON. Rounds alternate the builds, order reversed every other round; each
 * round makes `--requests` calls per build and request for CPU time (`process.cpuUsage`), then as
 * many again under a V8 sampling heap profile that keeps collected objects, whose sampled bytes
 * divided by the calls give the bytes allocated per request (steady from run to run).
 * Run: `npm run build && npx tsx bench/graph-allocation.ts [--builds dist,<dir>] [--rounds 6]
 * [--requests 2000]`.
 */
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { benchArgs, positiveInteger, text } from './support/bench-args.js';
import {
  EXPORT_FIELDS,
  type GraphBenchData,
  LIMITS_OFF,
  seedGraphBenchData,
} from './support/graph-bench-data.js';
import { withScratchDir } from './support/scratch-dir.js';

/** Bytes between two samples of the heap profile: small enough for a steady per-request sum. */
const SAMPLING_INTERVAL = 512;

interface Variant {
  readonly name: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
  readonly cpu: Record<string, number[]>;
  readonly bytes: Record<string, number[]>;
}

interface SampledNode {
  readonly selfSize: number;
  readonly children: readonly SampledNode[];
}

async function main(): Promise<void> {
  const { values } = benchArgs({
    summary:
      'Allocation and CPU time per Graph request, build against build in one process (beside a\n' +
      'bare Fastify app): the measure that holds on a loaded machine.',
    needs: ['compiled builds (`npm run build` for dist/)'],
    options: {
      builds: text('A,B', 'compiled builds to compare, comma-separated', 'dist'),
      rounds: positiveInteger('rounds; builds alternate, the order reversed every other round', 6),
      requests: positiveInteger('calls per build and request in each round', 2000),
    },
  });
  const { rounds, requests } = values;
  await withScratchDir('dyi-bench-graph-alloc-', async ({ dir: dataDir }) => {
    const seeded = await seedGraphBenchData(dataDir);
    const token = encodeURIComponent(seeded.token);
    const urls: Record<string, string> = {
      export: `/${seeded.exportId}?fields=${encodeURIComponent(EXPORT_FIELDS)}&access_token=${token}`,
      files: `/${seeded.jobId}/files?access_token=${token}`,
    };
    const variants: Variant[] = [];
    for (const build of values.builds.split(',')) {
      variants.push(await openBuild(build, dataDir));
    }
    const first = variants[0];
    if (!first) throw new Error('no build given');
    const bodies = await Promise.all(
      Object.values(urls).map(async (url) => (await first.app.inject(url)).body),
    );
    for (const variant of variants.slice(1)) {
      for (const [i, url] of Object.values(urls).entries()) {
        // download_url is signed per call; everything else must be the same bytes.
        const body = (await variant.app.inject(url)).body;
        if (withoutSignatures(body) !== withoutSignatures(bodies[i] ?? '')) {
          throw new Error(`${variant.name} answers ${url} differently`);
        }
      }
    }
    variants.push(bare(seeded, urls, bodies));
    const session = new Session();
    session.connect();
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        for (const [kind, url] of Object.entries(urls)) {
          await measure(session, variant, kind, url, requests);
        }
      }
    }
    session.disconnect();
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    for (const variant of variants) {
      for (const kind of Object.keys(urls)) {
        console.log(
          `${variant.name.padEnd(24)} ${kind.padEnd(6)} ` +
            `CPU µs/req median ${median(variant.cpu[kind] ?? []).toFixed(1)} ` +
            `min ${Math.min(...(variant.cpu[kind] ?? [])).toFixed(1)}  ` +
            `kB/req median ${(median(variant.bytes[kind] ?? []) / 1000).toFixed(1)}`,
        );
      }
      await variant.close();
    }
  });
}

async function measure(
  session: Session,
  variant: Variant,
  kind: string,
  url: string,
  requests: number,
): Promise<void> {
  for (let i = 0; i < 200; i += 1) await variant.app.inject(url);
  const before = process.cpuUsage();
  for (let i = 0; i < requests; i += 1) await variant.app.inject(url);
  const spent = process.cpuUsage(before);
  (variant.cpu[kind] ??= []).push((spent.user + spent.system) / requests);
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: SAMPLING_INTERVAL,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  for (let i = 0; i < requests; i += 1) await variant.app.inject(url);
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
    profile: { head: SampledNode };
  };
  (variant.bytes[kind] ??= []).push(sampledBytes(profile.head) / requests);
}

function sampledBytes(node: SampledNode): number {
  let sum = node.selfSize;
  for (const child of node.children) sum += sampledBytes(child);
  return sum;
}

async function openBuild(build: string, dataDir: string): Promise<Variant> {
  const index = (await import(path.resolve(build, 'index.js'))) as typeof import('../src/index.js');
  const config = index.loadConfig({}, { dataDir, logLevel: 'silent', ...LIMITS_OFF });
  const runtime = await index.openRuntime(config);
  const app = await index.buildApp(runtime, { logger: false });
  return {
    name: build,
    app,
    cpu: {},
    bytes: {},
    async close() {
      await app.close();
      await runtime.close();
    },
  };
}

function bare(
  seeded: GraphBenchData,
  urls: Record<string, string>,
  bodies: readonly string[],
): Variant {
  const app = Fastify({ logger: false });
  const [exportBody, filesBody] = bodies.map((body) => JSON.parse(body) as unknown);
  app.get(`/${seeded.exportId}`, () => exportBody);
  app.get(`/${seeded.jobId}/files`, () => filesBody);
  return { name: 'bare', app, cpu: {}, bytes: {}, close: () => app.close() };
}

function withoutSignatures(body: string): string {
  return body.replace(/(signature|expires)=[^"&\\]*/g, '$1=…');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

await main();
