/**
 * @module
 * The GET of a `download_url`, read as a resuming downloader must: 206 continues the part, 200
 * replaces it, 416 or a `Content-Range` that starts elsewhere means the part is wrong, and any
 * other status becomes a GraphRequestError (with the Graph error body when there is one) for
 * the retry loop to judge. No token is sent: the URL is its own credential, and a presigned
 * object-store URL would refuse a request carrying one.
 *
 * The answer goes through undici's `dispatch` with a handler of its own, which hands each
 * chunk of a body worth keeping to the caller's sink as it arrives: no stream per response in
 * between. On an export of thousands of small files the request's body stream, its buffering
 * and its end-of-stream watcher cost more CPU per file than the bytes did (docs/benchmarks.md).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { GraphClient } from './graph-client.js';
import { type GraphErrorBody, GraphRequestError } from './graph-request-error.js';

/** A part whose bytes are wrong: the file must be fetched again from its first byte. */
export class PartMismatchError extends Error {}

/** Where the body of a 200 or a fitting 206 goes. Either method may throw to stop the download. */
export interface PartSink {
  /**
   * Called once, before any chunk: `restarted` when the body is the whole file (the part must
   * be replaced); `etag` is the answer's for a 200, the one asked with for a 206.
   */
  begin(restarted: boolean, etag: string | undefined): void;
  /**
   * The next chunk of the body, in order. A promise returned means "no more until it settles":
   * reading pauses until it resolves, and the download stops with its error if it rejects.
   */
  write(chunk: Buffer): Promise<void> | undefined;
}

/**
 * Asks for `downloadUrl` from byte `have` on (with `If-Range: etag` when there is one) and feeds
 * the body into `sink`; resolves once the body has ended, rejects with why it did not.
 */
export function fetchInto(
  client: GraphClient,
  downloadUrl: string,
  have: number,
  etag: string | undefined,
  sink: PartSink,
  signal: AbortSignal | undefined,
): Promise<void> {
  const url = new URL(downloadUrl);
  const headers: Record<string, string> = {};
  if (have > 0) {
    headers.range = `bytes=${have}-`;
    if (etag !== undefined) headers['if-range'] = etag;
  }
  return new Promise((resolve, reject) => {
    const handler = new FileAnswerHandler(
      { target: `GET ${url.origin}${url.pathname}`, have, etag, sink, signal },
      resolve,
      reject,
    );
    client.dispatcher.dispatch(
      { origin: url.origin, path: url.pathname + url.search, method: 'GET', headers },
      handler,
    );
  });
}

interface Asked {
  /** `GET <origin><path>`, for error messages (the query holds the URL's signature). */
  readonly target: string;
  readonly have: number;
  readonly etag: string | undefined;
  readonly sink: PartSink;
  readonly signal: AbortSignal | undefined;
}

/** What the handler does with the body: keeps it, drops it, or reads it as an error. */
type Reading =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'keeping' }
  | { readonly kind: 'dropping'; readonly error: Error }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly retryAfter: string | undefined;
      readonly chunks: Buffer[];
    };

class FileAnswerHandler implements Dispatcher.DispatchHandler {
  readonly #asked: Asked;
  readonly #resolve: () => void;
  readonly #reject: (error: unknown) => void;
  readonly #onAbort: (() => void) | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #reading: Reading = { kind: 'waiting' };
  #settled = false;

  constructor(asked: Asked, resolve: () => void, reject: (error: unknown) => void) {
    this.#asked = asked;
    this.#resolve = resolve;
    this.#reject = reject;
    const { signal } = asked;
    if (signal !== undefined && !signal.aborted) {
      // Before the request has a connection there is nothing to abort yet: onRequestStart does.
      this.#onAbort = () => this.#controller?.abort(reasonOf(signal));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    const { signal } = this.#asked;
    if (signal?.aborted === true) controller.abort(reasonOf(signal));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    const { have, etag, sink } = this.#asked;
    if (statusCode === 200 || statusCode === 206) {
      const start = /^bytes (\d+)-/.exec(single(headers['content-range']) ?? '')?.[1];
      if (statusCode === 206 && Number(start) !== have) {
        const error = new PartMismatchError(
          `asked for bytes from ${have}, got a range from ${start}`,
        );
        this.#reading = { kind: 'dropping', error };
        return;
      }
      this.#reading = { kind: 'keeping' };
      this.#feed(controller, () => {
        sink.begin(statusCode === 200, statusCode === 200 ? single(headers.etag) : etag);
        return undefined;
      });
      return;
    }
    this.#reading = {
      kind: 'error',
      status: statusCode,
      retryAfter: single(headers['retry-after']),
      chunks: [],
    };
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const reading = this.#reading;
    if (reading.kind === 'keeping') this.#feed(controller, () => this.#asked.sink.write(chunk));
    else if (reading.kind === 'error') reading.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const reading = this.#reading;
    if (reading.kind === 'dropping') this.#settle(reading.error);
    else if (reading.kind === 'error') this.#settle(this.#statusError(reading, true));
    else this.#settle(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const reading = this.#reading;
    // A body that breaks off after a refusal or a wrong range still tells what went wrong.
    if (reading.kind === 'dropping') this.#settle(reading.error);
    else if (reading.kind === 'error') this.#settle(this.#statusError(reading, false));
    else this.#settle(error);
  }

  /**
   * Runs a sink call; when it throws, the download stops with its error (and frees the
   * connection). When it answers with a promise, reading pauses until that settles.
   */
  #feed(controller: Dispatcher.DispatchController, call: () => Promise<void> | undefined): void {
    try {
      const wait = call();
      if (wait === undefined) return;
      controller.pause();
      wait.then(
        () => controller.resume(),
        (error: unknown) => this.#drop(controller, error),
      );
    } catch (error) {
      this.#drop(controller, error);
    }
  }

  #drop(controller: Dispatcher.DispatchController, error: unknown): void {
    this.#reading = { kind: 'dropping', error: error as Error };
    controller.abort(error as Error);
  }

  #statusError(reading: Extract<Reading, { kind: 'error' }>, whole: boolean): Error {
    if (reading.status === 416) {
      return new PartMismatchError(`the server cannot serve bytes from ${this.#asked.have}`);
    }
    const text = whole ? Buffer.concat(reading.chunks).toString('utf8') : '';
    const retryAfter = Number(reading.retryAfter);
    return new GraphRequestError(
      this.#asked.target,
      reading.status,
      graphErrorOf(text),
      Number.isFinite(retryAfter) ? retryAfter : undefined,
    );
  }

  #settle(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#onAbort !== undefined) {
      this.#asked.signal?.removeEventListener('abort', this.#onAbort);
    }
    if (error === undefined) this.#resolve();
    else this.#reject(error);
  }
}

/** What an aborted request fails with: the signal's reason, as `request()` did. */
function reasonOf(signal: AbortSignal): Error {
  return signal.reason as Error;
}

function graphErrorOf(text: string): GraphErrorBody {
  try {
    const parsed = JSON.parse(text) as { error?: GraphErrorBody };
    if (typeof parsed.error === 'object') return parsed.error;
  } catch {
    // Not JSON: a proxy's or a load balancer's page.
  }
  return { message: text.slice(0, 200) || 'no body' };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
