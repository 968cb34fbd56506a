/**
 * @module
 * undici's `Agent` and its `request`, loaded from the two files of undici that hold them
 * instead of from undici's index. The index also loads fetch, WebSocket, EventSource, caches,
 * cookies and mocks, and through them Node's own copy of undici and its HTTP/2 modules: about
 * 0.1 to 0.17 s of CPU at every start of `dyi download` or `dyi list`, for parts the client
 * never uses (docs/benchmarks.md). The files are those of the pinned undici (package.json);
 * `lean-agent.test.ts` fails if an upgrade moves them, by checking that they are the very
 * `Agent` and `request` the index exports.
 */
import { createRequire } from 'node:module';
import type { Agent, Dispatcher } from 'undici';

const require = createRequire(import.meta.url);

/** The class undici's index exports as `Agent`. */
export const UndiciAgent = require('undici/lib/dispatcher/agent.js') as typeof Agent;

/** What undici's index puts on every dispatcher as `request` (without a callback, a Promise). */
export const undiciRequest = require('undici/lib/api/api-request.js') as (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

/** The part of a `Dispatcher` the client calls. */
export type ClientDispatcher = Pick<Dispatcher, 'dispatch' | 'close'> & {
  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
};

/** An undici `Agent` with `dispatch`, `request` and `close`, as undici's index would give it. */
export class LeanAgent implements ClientDispatcher {
  readonly #agent: Agent;

  constructor(options: Agent.Options) {
    this.#agent = new UndiciAgent(options);
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.#agent.dispatch(options, handler);
  }

  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    return undiciRequest.call(this.#agent, options);
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}
