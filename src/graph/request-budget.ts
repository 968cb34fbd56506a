/**
 * @module
 * The cost budget of one Graph request. Nested `fields` multiply (`a.limit(100){b{c.limit(100)}}`
 * asks for 10,000 objects), so a request is weighed twice: before any work, by its worst case
 * computed from the parsed fields (refused at once when obviously too big or too deep), and
 * while resolving, by the objects and bytes actually built (refused as soon as the budget is
 * spent, never after building the whole answer). What a request resolved is also what it
 * costs in the usage headers and rate limits: `calls` objects-per-call units, at least one.
 */
import { TooMuchDataError } from '../domain/index.js';

export interface BudgetLimits {
  /** Objects resolved per request, counted while resolving. */
  readonly graphMaxObjects: number;
  /** Worst-case objects per request, computed from `fields` before any work. */
  readonly graphMaxEstimatedObjects: number;
  /** Levels of nested objects and lists below the requested node. */
  readonly graphMaxDepth: number;
  /** Bytes of JSON per answer, approximately counted while resolving. */
  readonly graphMaxResponseBytes: number;
  /** Objects that cost one call in the usage meters. */
  readonly graphObjectsPerCall: number;
}

/** The worst case of a request, from its `fields` tree and limits. */
export interface CostEstimate {
  /** Objects if every list were full to its limit. */
  readonly objects: number;
  /** Deepest level of nested objects and lists (0: values of the node only). */
  readonly depth: number;
}

/** Objects resolved between two turns given back to the event loop. */
const YIELD_EVERY = 200;

export class RequestBudget {
  readonly #limits: BudgetLimits;
  readonly #shared: RequestBudget | undefined;
  #objects = 0;
  #bytes = 0;

  /**
   * `shared` is the budget of a batch this request is an item of: its objects count there
   * too, so the 50 items of one batch share one object budget instead of having 50.
   */
  constructor(limits: BudgetLimits, shared?: RequestBudget) {
    this.#limits = limits;
    this.#shared = shared;
  }

  /** Refuses a request whose worst case is over the limits, before it does any work. */
  plan(estimate: CostEstimate): void {
    const { graphMaxDepth, graphMaxEstimatedObjects } = this.#limits;
    if (estimate.depth > graphMaxDepth) {
      throw new TooMuchDataError(
        `fields nest ${estimate.depth} levels of objects and lists; at most ${graphMaxDepth} (DYI_GRAPH_MAX_DEPTH)`,
      );
    }
    if (estimate.objects > graphMaxEstimatedObjects) {
      throw new TooMuchDataError(
        `fields and limits ask for up to ${estimate.objects} objects; at most ${graphMaxEstimatedObjects} (DYI_GRAPH_MAX_ESTIMATED_OBJECTS)`,
      );
    }
  }

  /**
   * Counts one object about to be resolved; throws once the request has resolved too many.
   * True every `YIELD_EVERY` objects: the caller then lets other requests run, since a big
   * answer resolves in microtasks that would otherwise hold the event loop to the end.
   */
  addObject(): boolean {
    this.#shared?.addObject();
    this.#objects += 1;
    if (this.#objects > this.#limits.graphMaxObjects) {
      throw new TooMuchDataError(
        `the answer passed ${this.#limits.graphMaxObjects} objects (DYI_GRAPH_MAX_OBJECTS)`,
      );
    }
    return this.#objects % YIELD_EVERY === 0;
  }

  /** Counts bytes of the answer; throws once the answer is too big. */
  addBytes(bytes: number): void {
    this.#bytes += bytes;
    if (this.#bytes > this.#limits.graphMaxResponseBytes) {
      throw new TooMuchDataError(
        `the answer passed ${this.#limits.graphMaxResponseBytes} bytes (DYI_GRAPH_MAX_RESPONSE_BYTES)`,
      );
    }
  }

  /** Objects resolved so far. */
  get objects(): number {
    return this.#objects;
  }

  /** What this request costs in the usage meters, in calls (at least one). */
  get calls(): number {
    return Math.max(1, Math.ceil(this.#objects / this.#limits.graphObjectsPerCall));
  }
}

/**
 * About how many bytes `"name":value,` takes in the JSON answer: exact for plain strings,
 * numbers and booleans, which are nearly all of a Graph answer; escapes are not counted.
 */
export function fieldBytes(name: string, value: unknown): number {
  const key = name.length + 4;
  if (typeof value === 'string') return key + value.length + 2;
  if (typeof value === 'number' || typeof value === 'boolean') return key + String(value).length;
  return key + (JSON.stringify(value)?.length ?? 4);
}
