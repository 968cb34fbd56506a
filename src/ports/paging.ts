/**
 * @module
 * Keyset paging shared by every list a store returns. A position is an object id: pages never
 * use offsets, so a page deep in a list costs what the first page costs.
 */
import type { Id } from '../domain/index.js';

export interface PageRequest {
  /** Items per page, already capped by the caller. */
  readonly limit: number;
  /** Return items strictly after this position (in list order). */
  readonly after?: Id | undefined;
  /** Return items strictly before this position (in list order). */
  readonly before?: Id | undefined;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Items exist before the first item of this page. */
  readonly hasPrevious: boolean;
  /** Items exist after the last item of this page. */
  readonly hasNext: boolean;
}
