/**
 * @module
 * What resolving one Graph request needs: who is calling, the services, how to write dates,
 * how to build paging links, and per-request memos so that an export read by several fields
 * (or by every job of a page) is loaded once.
 */
import type { DyiFile, ExportJob, Id, Principal } from '../domain/index.js';
import { formatGraphDate } from '../graph/graph-date.js';
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
  readonly #exports = new Map<Id, Promise<ExportJob>>();
  readonly #statuses = new Map<Id, Promise<ExportStatus>>();
  readonly #urls = new Map<Id, SignedDownloadUrl>();

  constructor(
    readonly runtime: Runtime,
    readonly principal: Principal,
    readonly options: {
      /** `unix` for `date_format=U`. */
      readonly dates: 'iso' | 'unix';
      readonly link: EdgeLinkBuilder;
    },
  ) {}

  get communityId(): Id {
    return this.principal.communityId;
  }

  date(unixSeconds: number): string | number {
    return this.options.dates === 'unix' ? unixSeconds : formatGraphDate(unixSeconds);
  }

  exportJob(id: Id): Promise<ExportJob> {
    return memo(this.#exports, id, () => this.runtime.exports.get(this.communityId, id));
  }

  exportStatus(exportJob: ExportJob): Promise<ExportStatus> {
    return memo(this.#statuses, exportJob.id, () => this.runtime.exports.status(exportJob));
  }

  /** One signed URL per file per request, so `download_url` and `expires_time` agree. */
  downloadUrl(file: DyiFile): SignedDownloadUrl {
    let signed = this.#urls.get(file.id);
    if (!signed) {
      signed = this.runtime.downloads.sign(file);
      this.#urls.set(file.id, signed);
    }
    return signed;
  }
}

function memo<T>(cache: Map<Id, Promise<T>>, id: Id, load: () => Promise<T>): Promise<T> {
  let value = cache.get(id);
  if (!value) {
    value = load();
    cache.set(id, value);
  }
  return value;
}
