/**
 * @module
 * What `dyi serve` and `dyi worker` share for operators: the readiness checks of the process,
 * and the metrics port (`DYI_METRICS_PORT`), a listener of its own serving `/metrics`,
 * `/healthz` and `/readyz` (the only HTTP a `dyi worker` has).
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { listenError } from '../server/listen-error.js';
import { buildOperatorApp } from '../server/operator-routes.js';
import { ReadinessChecks } from '../services/readiness-checks.js';

/** The checks of this process; `liveWorkers` where it runs export threads. */
export function readinessOf(runtime: Runtime, liveWorkers?: () => number): ReadinessChecks {
  return new ReadinessChecks({
    metadata: runtime.metadata,
    blobs: runtime.blobs,
    dataDir: runtime.config.dataDir,
    minFreeBytes: runtime.config.readyMinFreeBytes,
    ...(liveWorkers && { liveWorkers }),
  });
}

/** Starts the metrics port's listener when one is configured, else undefined. Close it on shutdown. */
export async function startMetricsListener(
  runtime: Runtime,
  readiness: ReadinessChecks,
): Promise<FastifyInstance | undefined> {
  const { config, metrics } = runtime;
  if (config.metricsPort === undefined) return undefined;
  const app = buildOperatorApp({
    readiness,
    detail: config.healthDetail,
    metrics,
    jobs: runtime.metadata.jobs,
  });
  try {
    await app.listen({ port: config.metricsPort, host: config.metricsHost });
  } catch (error) {
    await app.close();
    throw listenError(error, config.metricsHost, config.metricsPort);
  }
  return app;
}

/** The metrics port's URL, for banners: `http://host:port/metrics`. */
export function metricsUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (address === null || typeof address === 'string') return '';
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}/metrics`;
}
