/**
 * @module
 * `dyi serve`: opens the data directory, makes the demo community on first start, and serves
 * the Graph API until SIGINT/SIGTERM, then shuts down gracefully (forced after a timeout).
 * It cleans the blob store up at start and then periodically (`BlobCleanupService`), and
 * expires exports whose retention ended (`RetentionService`).
 */
import { randomInt } from 'node:crypto';
import { Command } from 'commander';
import { type ConfigOverrides, DEFAULTS } from '../config.js';
import { buildApp } from '../server/app.js';
import { freePort } from '../server/free-port.js';
import { listenError } from '../server/listen-error.js';
import { recordRunningServer } from '../running-server.js';
import { WorkerPool } from '../export/worker-pool.js';
import type { Runtime } from '../runtime.js';
import { describeCleanup, hasRemoved } from '../services/blob-cleanup-service.js';
import { describeRetention, hasExpired } from '../services/retention-service.js';
import { ensureDemoCommunity } from '../services/demo-community.js';
import { parseFaultProfile } from '../server/faults/fault-profile.js';
import type { FaultModeOptions } from '../server/faults/fault-mode.js';
import { raiseMallocThresholds } from './malloc-thresholds.js';
import { serveBanner } from './serve-banner.js';
import { addDataDirOption, type DataDirOptions, withRuntime } from './cli-context.js';
import { metricsUrl, readinessOf, startMetricsListener } from './operator-listener.js';
import { waitForShutdown } from './shutdown.js';

interface ServeOptions extends DataDirOptions {
  readonly port?: string;
  readonly host?: string;
  readonly publicUrl?: string;
  readonly demo: boolean;
  /** A count from `--workers <n>`, or false from `--no-workers`. */
  readonly workers?: string | false;
  readonly faults?: string;
  readonly faultsSeed?: string;
  readonly metricsPort?: string;
}

export function serveCommand(): Command {
  return addDataDirOption(
    new Command('serve')
      .description('serve the Graph API (and downloads) on this machine')
      .option('--port <port>', `TCP port (env PORT; default: ${DEFAULTS.port}; 0 picks a free one)`)
      .option('--host <host>', `interface to bind (env DYI_HOST; default: ${DEFAULTS.host})`)
      .option(
        '--public-url <url>',
        'origin clients use, for links (env DYI_PUBLIC_URL; default: http://localhost:<port>)',
      )
      .option('--no-demo', 'do not create a demo community on an empty data directory')
      .option(
        '--workers <n>',
        'export worker threads (env DYI_WORKERS; default: 0 = one per CPU core)',
      )
      .option('--no-workers', 'run no export workers here (another process runs them)')
      .option(
        '--metrics-port <port>',
        'serve /metrics, /healthz and /readyz on this port too (env DYI_METRICS_PORT; ' +
          'default: none; 0 picks a free one)',
      )
      .option(
        '--faults <profile>',
        'fault mode, for testing clients (env DYI_FAULTS; default: off): flaky, rate-limited, ' +
          'slow, broken-downloads, everything, or rates such as transient=0.1,cut=0.2',
      )
      .option(
        '--faults-seed <n>',
        "fault mode's seed (env DYI_FAULTS_SEED; default: random, printed)",
      )
      .addHelpText(
        'after',
        '\nLogs go to stdout: short text lines at a terminal (warnings and errors; with\n' +
          'DYI_LOG_LEVEL=debug also one line per request), JSON lines otherwise or with\n' +
          'DYI_LOG_FORMAT=json. Stops on Ctrl-C or SIGTERM after finishing work in flight\n' +
          '(at most 10 s); a second Ctrl-C a second or more later stops at once.\n' +
          '\nGET /healthz and /readyz answer load balancers and orchestrators; /metrics\n' +
          '(Prometheus) is served on DYI_METRICS_PORT, or here to DYI_METRICS_TOKEN\n' +
          '(docs/health-and-metrics.md).\n' +
          '\nFault mode (--faults) makes the Graph API and download URLs fail on purpose, the\n' +
          "way Meta's do: rate limits (codes 4, 17, 32, 613), transient 5xx (code 2), slow\n" +
          'answers, pages to retry, downloads cut, stalled or expired. Not for real\n' +
          'clients; the admin panel is never faulted. Profiles, rates: docs/fault-mode.md.',
      ),
  ).action(async (options: ServeOptions) => {
    // Downloads stream through freshly allocated buffers; see the module.
    raiseMallocThresholds();
    // Links and download URLs carry the port, so a free one is chosen before they are made.
    const port =
      options.port === '0' ? String(await freePort(options.host ?? DEFAULTS.host)) : options.port;
    const overrides: ConfigOverrides = {
      ...(port !== undefined && { port }),
      ...(options.host !== undefined && { host: options.host }),
      ...(options.publicUrl !== undefined && { publicUrl: options.publicUrl }),
      ...(typeof options.workers === 'string' && { workers: options.workers }),
      ...(options.faults !== undefined && { faults: options.faults }),
      ...(options.faultsSeed !== undefined && { faultsSeed: options.faultsSeed }),
      ...(options.metricsPort !== undefined && { metricsPort: options.metricsPort }),
    };
    await withRuntime(
      options,
      async (runtime) => {
        const { config } = runtime;
        // Before anything else: a misspelt profile costs nothing.
        const faults = faultModeOf(config.faults, config.faultsSeed);
        const demo = options.demo ? await ensureDemoCommunity(runtime) : undefined;
        // The pool starts once the API listens; readiness asks for it from the start.
        const started: { pool?: WorkerPool } = {};
        const readiness = readinessOf(
          runtime,
          options.workers === false ? undefined : () => started.pool?.liveThreads ?? 0,
        );
        const app = await buildApp(runtime, {
          readiness,
          ...(faults && { faults }),
          logger: config.logLevel !== 'silent',
          logFormat:
            config.logFormat === 'text' || (config.logFormat === 'auto' && process.stdout.isTTY)
              ? 'text'
              : 'json',
        });
        // Signals are heard from before the server listens, not only once it has printed its
        // banner: Fastify logs that it listens before `listen` returns, it takes traffic from
        // then on, and its workers may be writing (the demo export runs before the banner).
        // What has started by the time a signal comes is closed, in this order; what has not
        // started is never started.
        const parts: {
          forgetServer?: () => Promise<void>;
          metricsListener?: Awaited<ReturnType<typeof startMetricsListener>>;
          cleanup?: { stop(): Promise<void> };
          deliverer?: { stop(): Promise<void> };
          retention?: { stop(): Promise<void> };
        } = {};
        let stopping = false;
        let listening: Promise<unknown> = Promise.resolve();
        const listenFailed = new AbortController();
        const stopped = waitForShutdown(
          async () => {
            stopping = true;
            readiness.drain();
            // A signal during `listen`: its outcome is handled below; close after it.
            await listening.catch(() => undefined);
            await parts.cleanup?.stop();
            await parts.deliverer?.stop();
            await parts.retention?.stop();
            await started.pool?.stop();
            await app.close();
            await parts.metricsListener?.close();
            await parts.forgetServer?.();
          },
          { signal: listenFailed.signal },
        );
        listening = app.listen({ port: config.port, host: config.host });
        try {
          await listening;
        } catch (error) {
          listenFailed.abort();
          await app.close();
          throw listenError(error, config.host, config.port);
        }
        if (stopping) return await stopped;
        // So that `dyi list` and `dyi admin create` can name this server's URL.
        parts.forgetServer = await recordRunningServer(config.dataDir, config.publicUrl);
        if (stopping) return await stopped;
        parts.metricsListener = await startMetricsListener(runtime, readiness);
        if (parts.metricsListener) {
          process.stderr.write(`Metrics at ${metricsUrl(parts.metricsListener)}\n`);
        }
        if (stopping) return await stopped;
        const pool =
          options.workers === false
            ? undefined
            : new WorkerPool({
                config,
                metadata: runtime.metadata,
                queue: runtime.queue,
                log: app.log,
                yieldToApi: true,
                metrics: runtime.metrics,
              });
        started.pool = pool;
        await pool?.start();
        if (stopping) return await stopped;
        parts.cleanup = runtime.cleanup.start(
          config.cleanupIntervalSeconds,
          (report) => {
            if (hasRemoved(report)) {
              app.log.info({ cleanup: report }, `Blob clean-up removed ${describeCleanup(report)}`);
            }
          },
          (error) => app.log.error({ err: error }, 'Blob clean-up failed; it runs again later'),
        );
        const deliverer = runtime.webhookDeliverer({
          attempt: (delivery, result) =>
            app.log.info(
              { delivery: delivery.id, status: result.status, latencyMs: result.latencyMs },
              result.delivered
                ? `Webhook ${delivery.eventKey} delivered to ${delivery.callbackUrl}`
                : `Webhook ${delivery.eventKey} to ${delivery.callbackUrl} failed: ${result.error ?? ''}`,
            ),
          error: (error) =>
            app.log.error({ err: error }, 'Webhook delivery loop failed; it goes on'),
        });
        deliverer.start();
        parts.deliverer = deliverer;
        parts.retention = runtime.retention.start(
          config.retentionSweepSeconds,
          (report) => {
            if (hasExpired(report)) {
              app.log.info({ retention: report }, `Retention: ${describeRetention(report)}`);
            }
          },
          (error) => app.log.error({ err: error }, 'Retention sweep failed; it runs again later'),
        );
        if (
          demo?.exportId &&
          pool &&
          !(
            await runtime.exports.status(
              await runtime.exports.get(demo.community.id, demo.exportId),
            )
          ).isCompleted
        ) {
          // A signal while the demo export runs ends the wait too.
          await waitForExport(runtime, demo.community.id, demo.exportId, () => stopping);
        }
        if (stopping) return await stopped;
        const banner = await serveBanner(runtime, demo, pool?.size, faults);
        process.stdout.write(banner);
        await stopped;
      },
      overrides,
    );
  });
}

/** Fault mode as `--faults`/`DYI_FAULTS` name it, or undefined when off (the default). */
function faultModeOf(
  spec: string | undefined,
  seed: number | undefined,
): FaultModeOptions | undefined {
  if (spec === undefined) return undefined;
  return {
    profile: parseFaultProfile(spec),
    seed: seed ?? randomInt(0, 0xffff_ffff),
  };
}

/** Waits for an export's jobs to finish, showing its progress on stderr. */
async function waitForExport(
  runtime: Runtime,
  communityId: string,
  exportId: string,
  stopping: () => boolean,
): Promise<void> {
  const tty = process.stderr.isTTY;
  let lastShown = -1;
  while (!stopping()) {
    const status = await runtime.exports.status(await runtime.exports.get(communityId, exportId));
    const done = status.counts.total - status.counts.pending - status.counts.inProgress;
    const percent = Math.floor(status.progress * 100);
    if (tty) {
      process.stderr.write(
        `\rPreparing the demo export: ${done}/${status.counts.total} jobs (${percent} %)   `,
      );
    } else if (percent >= lastShown + 20 || status.isCompleted) {
      process.stderr.write(`Preparing the demo export: ${done}/${status.counts.total} jobs\n`);
      lastShown = percent;
    }
    if (status.isCompleted) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // On a terminal the progress line is wiped: the banner that follows says the export is done.
  if (tty) process.stderr.write('\r\x1b[K');
}
