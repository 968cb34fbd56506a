/**
 * @module
 * Loopback load with autocannon, run in the bench's own process while the servers run in
 * children. `measureRounds` runs every target once per round and reverses the order every other
 * round (A B, B A, A B ...), so that drift of the machine (other load, thermal state) falls on
 * both sides alike; it refuses a run with any error or non-2xx answer, since a fast error is no
 * figure.
 */
import autocannon from 'autocannon';
import { integerFrom, positiveInteger } from './bench-args.js';

export interface LoadSettings {
  readonly connections: number;
  /** Seconds per measured run. */
  readonly duration: number;
  /** Seconds of unmeasured load on each target before the first round (JIT, caches). */
  readonly warmup: number;
  readonly rounds: number;
}

/** The load options of a bench that drives servers with autocannon, for `benchArgs`. */
export const LOAD_OPTIONS = {
  rounds: positiveInteger(
    'rounds; every target runs once per round, the order reversed every other round',
    3,
  ),
  duration: positiveInteger('seconds per measured run', 5),
  connections: positiveInteger('concurrent connections autocannon keeps open', 32),
  warmup: integerFrom(0, 'seconds of unmeasured load on each target before the first round', 2),
};

export interface Target {
  readonly name: string;
  readonly url: string;
  /** The serving process's CPU time so far, in microseconds; gives `cpuPerRequest`. */
  readonly cpuMicros?: () => Promise<number>;
}

export interface LoadFigure {
  /** Completed 2xx requests per second over the run. */
  readonly requestsPerSecond: number;
  /** Milliseconds. */
  readonly latencyMean: number;
  readonly latencyP50: number;
  readonly latencyP99: number;
  /**
   * Microseconds of server CPU (user + system) per completed request; NaN when the target has
   * no `cpuMicros`. Unlike req/s it barely moves when other processes load the machine.
   */
  readonly cpuPerRequest: number;
}

export interface TargetFigures {
  readonly target: Target;
  readonly runs: LoadFigure[];
  /** Median of the runs, field by field. */
  readonly median: LoadFigure;
}

/**
 * One run of load on `target`. With `exactLatency`, latency is taken from every 2xx answer's
 * own time (fractional milliseconds) instead of autocannon's histogram, which keeps whole
 * milliseconds: below a few milliseconds, that rounding decides a ratio of percentiles.
 */
export async function measureOnce(
  target: Target,
  settings: Pick<LoadSettings, 'connections' | 'duration'>,
  options: { readonly exactLatency?: boolean } = {},
): Promise<LoadFigure> {
  const { url } = target;
  const cpuBefore = (await target.cpuMicros?.()) ?? Number.NaN;
  const running = autocannon({
    url,
    connections: settings.connections,
    pipelining: 1,
    duration: settings.duration,
    timeout: 10,
  });
  const times: number[] = [];
  if (options.exactLatency === true) {
    running.on('response', (_client, statusCode, _bytes, milliseconds) => {
      if (statusCode >= 200 && statusCode < 300) times.push(milliseconds);
    });
  }
  const result = await running;
  const cpuAfter = (await target.cpuMicros?.()) ?? Number.NaN;
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(
      `load on ${url} got ${result.errors} errors (${result.timeouts} timeouts) and ${result.non2xx} non-2xx answers; the figures would be meaningless`,
    );
  }
  const latency =
    options.exactLatency === true
      ? exactLatency(times)
      : { mean: result.latency.mean, p50: result.latency.p50, p99: result.latency.p99 };
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    latencyMean: latency.mean,
    latencyP50: latency.p50,
    latencyP99: latency.p99,
    cpuPerRequest: (cpuAfter - cpuBefore) / result['2xx'],
  };
}

/** Mean, median and 99th percentile (nearest rank) of response times in milliseconds. */
export function exactLatency(times: readonly number[]): { mean: number; p50: number; p99: number } {
  if (times.length === 0) return { mean: Number.NaN, p50: Number.NaN, p99: Number.NaN };
  const sorted = Float64Array.from(times).sort();
  const rank = (fraction: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
  const sum = sorted.reduce((total, time) => total + time, 0);
  return { mean: sum / sorted.length, p50: rank(0.5), p99: rank(0.99) };
}

/** Warms every target, then measures them round by round, printing each run as it ends. */
export async function measureRounds(
  targets: readonly Target[],
  settings: LoadSettings,
): Promise<TargetFigures[]> {
  for (const target of targets) {
    await measureOnce(target, { connections: settings.connections, duration: settings.warmup });
  }
  const runs = targets.map((): LoadFigure[] => []);
  const width = Math.max(...targets.map((t) => t.name.length));
  for (let round = 1; round <= settings.rounds; round += 1) {
    // A B, then B A: neither side always runs straight after the other's load.
    const order = targets.map((_, i) => i);
    if (round % 2 === 0) order.reverse();
    for (const i of order) {
      const target = targets[i];
      if (!target) continue;
      const figure = await measureOnce(target, settings);
      runs[i]?.push(figure);
      console.log(
        `  round ${round}  ${target.name.padEnd(width)}  ${formatRate(figure.requestsPerSecond)} req/s  ` +
          `latency mean ${figure.latencyMean.toFixed(2)} ms, p99 ${figure.latencyP99.toFixed(0)} ms` +
          (Number.isNaN(figure.cpuPerRequest)
            ? ''
            : `, server CPU ${figure.cpuPerRequest.toFixed(0)} µs/req`),
      );
    }
  }
  return targets.map((target, i) => {
    const own = runs[i] ?? [];
    return {
      target,
      runs: own,
      median: {
        requestsPerSecond: median(own.map((r) => r.requestsPerSecond)),
        latencyMean: median(own.map((r) => r.latencyMean)),
        latencyP50: median(own.map((r) => r.latencyP50)),
        latencyP99: median(own.map((r) => r.latencyP99)),
        cpuPerRequest: median(own.map((r) => r.cpuPerRequest)),
      },
    };
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function formatRate(value: number): string {
  return value.toFixed(0).padStart(7);
}

/** A plain-text table with a header row; columns padded to their widest cell. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}
