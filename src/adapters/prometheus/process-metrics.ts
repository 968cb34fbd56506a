/**
 * @module
 * The metrics of one process (`GET /metrics`, Prometheus text format, through prom-client):
 * HTTP requests, Graph errors and rate-limit refusals, export jobs, archive and download bytes,
 * database and blob-store latencies, and Node's own (event-loop lag, heap, RSS).
 *
 * Every label has a small, fixed set of values: route patterns (`/:id`, never a URL), methods,
 * status codes, Graph error codes, job outcomes, operation names. No id, token or path.
 *
 * Worker threads count in a registry of their own (without Node's metrics, which are the
 * process's: see `collectNodeMetrics`) and post snapshots of it to the pool
 * (`snapshot()`); the process's registry adds the latest snapshot of each thread when scraped
 * (`render()`), the way prom-client's AggregatorRegistry adds cluster workers. A thread that
 * ends leaves its last snapshot counted, so counters never go back.
 */
import {
  AggregatorRegistry,
  Counter,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';
import {
  type CounterSeries,
  type HistogramSeries,
  SeriesCounter,
  SeriesHistogram,
} from './series-metrics.js';

/** A registry's content as `getMetricsAsJSON()` gives it: what threads post. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** Latency buckets for HTTP requests and store operations, in seconds. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets for export job runs, in seconds. */
const JOB_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

interface RequestSeries {
  readonly requests: CounterSeries;
  readonly duration: HistogramSeries;
}

export class ProcessMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new SeriesCounter({
    name: 'dyi_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new SeriesHistogram({
    name: 'dyi_http_request_duration_seconds',
    help: 'Time from a request until its answer was sent, by route pattern and method.',
    labelNames: ['route', 'method'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly graphErrors = new Counter({
    name: 'dyi_graph_errors_total',
    help: 'Graph error envelopes answered, by Graph error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly graphAnswersReused = new SeriesCounter({
    name: 'dyi_graph_answers_reused_total',
    help: 'Graph reads answered with the bytes kept from the same read in the same second, nothing stored having changed since.',
    labelNames: [] as const,
    registers: [this.registry],
  });
  readonly rateLimitRejections = new Counter({
    name: 'dyi_rate_limit_rejections_total',
    help: 'Graph calls refused by a rate limit, by Graph error code (4, 17, 32, 613).',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly jobs = new Counter({
    name: 'dyi_jobs_total',
    help: 'Export job runs ended, by outcome (COMPLETED, ABORTED, RETRY, FAILED, SUPERSEDED...).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'dyi_job_duration_seconds',
    help: 'Time one run of an export job took, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });
  readonly jobsRetried = new Counter({
    name: 'dyi_jobs_retried_total',
    help: 'Export job runs that failed and were queued to run again.',
    registers: [this.registry],
  });
  readonly archiveBytes = new Counter({
    name: 'dyi_archive_bytes_written_total',
    help: 'Bytes of archive parts recorded as export files.',
    registers: [this.registry],
  });
  readonly downloadBytes = new Counter({
    name: 'dyi_download_bytes_total',
    help: 'Bytes of export files sent by the download route.',
    registers: [this.registry],
  });
  readonly activeDownloads = new Gauge({
    name: 'dyi_active_downloads',
    help: 'Downloads of export files being sent now.',
    registers: [this.registry],
  });
  readonly renditions = new Counter({
    name: 'dyi_media_renditions_total',
    help: 'Media renditions asked of the rendition cache, by result (hit: reused; miss: made).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly databaseDuration = new SeriesHistogram({
    name: 'dyi_database_operation_duration_seconds',
    help: 'Metadata store operations, by operation (repository.method) and result (ok, error).',
    labelNames: ['operation', 'result'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly blobDuration = new SeriesHistogram({
    name: 'dyi_blob_store_operation_duration_seconds',
    help: 'Blob store operations, by operation and result (ok, error); reads until opened.',
    labelNames: ['operation', 'result'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  /** The request series by route pattern, method and status code (few: see the module). */
  readonly #requestSeries = new Map<string, Map<string, Map<number, RequestSeries>>>();

  /** Counts an answered HTTP request and the seconds it took. */
  countRequest(route: string, method: string, status: number, seconds: number): void {
    let byMethod = this.#requestSeries.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#requestSeries.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let series = byStatus.get(status);
    if (series === undefined) {
      series = {
        requests: this.httpRequests.series({ route, method, status }),
        duration: this.httpDuration.series({ route, method }),
      };
      byStatus.set(status, series);
    }
    series.requests.inc();
    series.duration.observe(seconds);
  }

  /** Node's own metrics, apart: they are the process's, never added up across threads. */
  readonly #node = new Registry();
  readonly #threads = new Map<number, MetricsSnapshot>();
  #retired: MetricsSnapshot[] = [];

  #collectsNode = false;
  #watchesQueue = false;

  /**
   * Adds Node's process metrics (event-loop lag, heap, RSS, CPU, handles), once: the commands
   * that serve `/metrics` call it, never a worker thread (they are the process's).
   */
  collectNodeMetrics(): void {
    if (this.#collectsNode) return;
    this.#collectsNode = true;
    collectDefaultMetrics({ register: this.#node });
  }

  /**
   * Adds the queue's depth, read from the database at each scrape (once; never in a thread:
   * every thread and process reads the same rows, so take the max across processes, not the
   * sum).
   */
  watchQueue(count: () => Promise<{ PENDING: number; IN_PROGRESS: number }>): void {
    if (this.#watchesQueue) return;
    this.#watchesQueue = true;
    new Gauge({
      name: 'dyi_queue_jobs',
      help: 'Export jobs not yet ended, by state (PENDING, IN_PROGRESS); the same in every process.',
      labelNames: ['state'] as const,
      registers: [this.#node],
      async collect() {
        const counts = await count();
        this.set({ state: 'PENDING' }, counts.PENDING);
        this.set({ state: 'IN_PROGRESS' }, counts.IN_PROGRESS);
      },
    });
  }

  /** A thread's latest snapshot (replacing its previous one). */
  acceptSnapshot(thread: number, snapshot: MetricsSnapshot): void {
    this.#threads.set(thread, snapshot);
  }

  /** A thread ended: its last snapshot stays counted (folded into one, so none pile up). */
  retireThread(thread: number): void {
    const last = this.#threads.get(thread);
    this.#threads.delete(thread);
    if (last === undefined) return;
    this.#retired = [...this.#retired, last];
  }

  /** This registry's content, for posting to the process (from a worker thread). */
  snapshot(): Promise<MetricsSnapshot> {
    return this.registry.getMetricsAsJSON();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text of `GET /metrics`: this registry plus every thread's latest snapshot. */
  async render(): Promise<string> {
    const others = [...this.#retired, ...this.#threads.values()];
    const own =
      others.length === 0
        ? await this.registry.metrics()
        : await AggregatorRegistry.aggregate([
            (await this.registry.getMetricsAsJSON()) as MetricsSnapshot,
            ...others,
          ]).metrics();
    if (this.#retired.length > 1) {
      this.#retired = [await AggregatorRegistry.aggregate(this.#retired).getMetricsAsJSON()];
    }
    return `${own}\n${await this.#node.metrics()}`;
  }
}
