/**
 * @module
 * The subset of autocannon 9's programmatic API the benches use (the package ships no types).
 * `autocannon(options)` without a callback returns the running instance: a promise of the run's
 * aggregate result that also emits `response` for every answer, with its time in fractional
 * milliseconds (the aggregate's latency histogram keeps whole milliseconds only).
 */
declare module 'autocannon' {
  interface AutocannonOptions {
    readonly url: string;
    readonly connections?: number;
    readonly pipelining?: number;
    /** Seconds. */
    readonly duration?: number;
    /** Seconds before a request counts as timed out. */
    readonly timeout?: number;
    readonly headers?: Readonly<Record<string, string>>;
  }

  interface Histogram {
    readonly average: number;
    readonly mean: number;
    readonly stddev: number;
    readonly min: number;
    readonly max: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly total: number;
  }

  interface AutocannonResult {
    /** Seconds the run lasted. */
    readonly duration: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly '2xx': number;
    /** Milliseconds per request. */
    readonly latency: Histogram;
    /** Requests per one-second sample. */
    readonly requests: Histogram & { readonly sent: number };
    /** Bytes per one-second sample. */
    readonly throughput: Histogram;
  }

  interface AutocannonInstance extends Promise<AutocannonResult> {
    on(
      event: 'response',
      listener: (client: unknown, statusCode: number, bytes: number, milliseconds: number) => void,
    ): void;
  }

  function autocannon(options: AutocannonOptions): AutocannonInstance;
  export default autocannon;
  export type { AutocannonOptions, AutocannonResult };
}
