/**
 * @module
 * `dyi worker`: runs export workers without serving the API, for a machine that only exports
 * (next to `dyi serve --no-workers`, or to add threads on the same data directory). Like
 * `dyi serve`, it cleans the blob store up at start and then periodically, and expires exports
 * whose retention ended.
 */
import { Command } from 'commander';
import type { ConfigOverrides } from '../config.js';
import { WorkerPool } from '../export/worker-pool.js';
import { describeCleanup, hasRemoved } from '../services/blob-cleanup-service.js';
import { describeRetention, hasExpired } from '../services/retention-service.js';
import { addDataDirOption, type DataDirOptions, withRuntime } from './cli-context.js';
import { metricsUrl, readinessOf, startMetricsListener } from './operator-listener.js';
import { waitForShutdown } from './shutdown.js';

interface WorkerOptions extends DataDirOptions {
  readonly threads?: string;
  readonly metricsPort?: string;
}

export function workerCommand(): Command {
  return addDataDirOption(
    new Command('worker')
      .description('run export workers (no API) until stopped')
      .option('--threads <n>', 'worker threads (env DYI_WORKERS; default: 0 = one per CPU core)')
      .option(
        '--metrics-port <port>',
        'serve /metrics, /healthz and /readyz on this port (env DYI_METRICS_PORT; ' +
          'default: none; 0 picks a free one; host: DYI_METRICS_HOST, default 127.0.0.1)',
      ),
  ).action(async (options: WorkerOptions) => {
    const overrides: ConfigOverrides = {
      ...(options.threads !== undefined && { workers: options.threads }),
      ...(options.metricsPort !== undefined && { metricsPort: options.metricsPort }),
    };
    await withRuntime(
      options,
      async (runtime) => {
        const pool = new WorkerPool({
          config: runtime.config,
          metadata: runtime.metadata,
          queue: runtime.queue,
          metrics: runtime.metrics,
        });
        const readiness = readinessOf(runtime, () => pool.liveThreads);
        const metricsListener = await startMetricsListener(runtime, readiness);
        pool.on('job', (event) => {
          const detail = event.message === undefined ? '' : `: ${event.message}`;
          process.stderr.write(`job ${event.jobId} ${event.outcome}${detail}\n`);
        });
        await pool.start();
        const cleanup = runtime.cleanup.start(
          runtime.config.cleanupIntervalSeconds,
          (report) => {
            if (hasRemoved(report)) {
              process.stderr.write(`blob clean-up removed ${describeCleanup(report)}\n`);
            }
          },
          (error) =>
            process.stderr.write(`blob clean-up failed (it runs again later): ${String(error)}\n`),
        );
        const deliverer = runtime.webhookDeliverer({
          attempt: (delivery, result) =>
            process.stderr.write(
              `webhook ${delivery.eventKey} to ${delivery.callbackUrl}: ${result.delivered ? `delivered (HTTP ${result.status})` : `failed: ${result.error ?? ''}`}\n`,
            ),
          error: (error) =>
            process.stderr.write(`webhook delivery loop failed (it goes on): ${String(error)}\n`),
        });
        deliverer.start();
        const retention = runtime.retention.start(
          runtime.config.retentionSweepSeconds,
          (report) => {
            if (hasExpired(report))
              process.stderr.write(`retention: ${describeRetention(report)}\n`);
          },
          (error) =>
            process.stderr.write(
              `retention sweep failed (it runs again later): ${String(error)}\n`,
            ),
        );
        // Listening for signals before saying it runs: whoever reads that may stop it at once.
        const stopped = waitForShutdown(async () => {
          readiness.drain();
          await cleanup.stop();
          await retention.stop();
          await deliverer.stop();
          await pool.stop();
          await metricsListener?.close();
        });
        const metricsNote = metricsListener ? `; metrics at ${metricsUrl(metricsListener)}` : '';
        process.stderr.write(
          `dyi worker: ${pool.size} thread${pool.size === 1 ? '' : 's'} on ${runtime.config.dataDir}${metricsNote}\n`,
        );
        await stopped;
      },
      overrides,
    );
  });
}
