/**
 * @module
 * What resolving one Graph request needs: who is calling, the services, how to write dates,
 * how to build paging links, the request's cost budget, and per-request memos so that an export read by several fields
 * (or by every job of a page) is loaded once.
 */
import type { DyiFile, ExportJob, Id, Principal } from '../domain/index.js';
import { formatGraphDate } from '../graph/graph-date.js';
import type { RequestBudget } from '../graph/request-budget.js';
import type { MaybePromise } from '../ports/maybe-promise.js';
import type { Runtime } from '../runtime.js';
import type { SignedDownloadUrl } from '../services/download-url-signer.js';
import type { ExportStatus } from '../services/export-service.js';

/** Builds absolute links to an edge for `paging.next` / `paging.previous`. */
export type EdgeLinkBuilder = (
  nodeId: Id,
  edge: string,
  params: Readonly<Record<string, string | undefined>>,
) => string;

export class GraphContext {
  readonly #exports = new Memo<ExportJob>();
  readonly #statuses = new Memo<ExportStatus>();
  /** Made on first use, like the memos' maps: allocations per request show in GC time. */
  #urls: Map<Id, SignedDownloadUrl | Promise<SignedDownloadUrl>> | undefined;
  #readBeyondMark = false;

  constructor(
    readonly runtime: Runtime,
    readonly principal: Principal,
    readonly options: {
      /** `unix` for `date_format=U`. */
      readonly dates: 'iso' | 'unix';
      readonly link: EdgeLinkBuilder;
      /** Objects, bytes and depth this request may still spend. */
      readonly budget: RequestBudget;
      /** `since`/`until` of the request (Unix seconds), for edges listed by time. */
      readonly timeRange?: { readonly since?: number; readonly until?: number };
    },
  ) {}

  get budget(): RequestBudget {
    return this.options.budget;
  }

  get communityId(): Id {
    return this.principal.communityId;
  }

  date(unixSeconds: number): string | number {
    return this.options.dates === 'unix' ? unixSeconds : formatGraphDate(unixSeconds);
  }

  exportJob(id: Id): MaybePromise<ExportJob> {
    return this.#exports.get(id, () => this.runtime.exports.get(this.communityId, id));
  }

  /** `pick` of the export, synchronously once it is loaded (most fields of a page need it). */
  withExport<T>(id: Id, pick: (exportJob: ExportJob) => T): T | Promise<T> {
    return this.#exports.with(id, () => this.runtime.exports.get(this.communityId, id), pick);
  }

  exportStatus(exportJob: ExportJob): MaybePromise<ExportStatus> {
    return this.#statuses.get(exportJob.id, () => this.runtime.exports.status(exportJob));
  }

  /** `pick` of the export's status, synchronously once it is loaded. */
  withStatus<T>(exportJob: ExportJob, pick: (status: ExportStatus) => T): T | Promise<T> {
    return this.#statuses.with(exportJob.id, () => this.runtime.exports.status(exportJob), pick);
  }

  /**
   * Says that the answer read data the metadata store's change mark does not cover (the content
   * or audit store), so its bytes must not be given again (`answer-memo.ts`).
   */
  readsBeyondMark(): void {
    this.#readBeyondMark = true;
  }

  /** Whether the answer read only what the change mark covers. */
  get readOnlyMarked(): boolean {
    return !this.#readBeyondMark;
  }

  /** One signed URL per file per request, so `download_url` and `expires_time` agree. */
  downloadUrl(file: DyiFile): SignedDownloadUrl | Promise<SignedDownloadUrl> {
    this.#urls ??= new Map();
    let signed = this.#urls.get(file.id);
    if (!signed) {
      signed = this.runtime.downloadLinks.sign(file);
      this.#urls.set(file.id, signed);
    }
    return signed;
  }
}

/**
 * Values loaded once per request by id, readable synchronously once loaded: the resolver then
 * needs no promise for the many fields that read the same export. A load that answers at once
 * (a store read its cache had) is kept as the value itself, with no promise made for it.
 */
class Memo<T> {
  /** Made on first use: most requests read one export or none. */
  #entries: Map<Id, { promise?: Promise<T>; loaded?: { value: T } }> | undefined;

  get(id: Id, load: () => MaybePromise<T>): MaybePromise<T> {
    const entry = this.#entry(id, load);
    return entry.loaded ? entry.loaded.value : (entry.promise as Promise<T>);
  }

  with<R>(id: Id, load: () => MaybePromise<T>, pick: (value: T) => R): R | Promise<R> {
    const entry = this.#entry(id, load);
    return entry.loaded ? pick(entry.loaded.value) : (entry.promise as Promise<T>).then(pick);
  }

  #entry(id: Id, load: () => MaybePromise<T>): { promise?: Promise<T>; loaded?: { value: T } } {
    this.#entries ??= new Map();
    let entry = this.#entries.get(id);
    if (!entry) {
      const loading = load();
      const created: { promise?: Promise<T>; loaded?: { value: T } } = {};
      if (loading instanceof Promise) {
        created.promise = loading.then((value) => {
          created.loaded = { value };
          return value;
        });
      } else {
        created.loaded = { value: loading };
      }
      this.#entries.set(id, created);
      entry = created;
    }
    return entry;
  }
}
