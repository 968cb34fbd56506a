/**
 * @module
 * The audit trail's use cases: record an act that is not a store write (a download, a refused
 * sign-in), list records for the Graph edge and the panel, verify the chain, and read it in
 * chain order for the NDJSON export. Acts that write the store record through the write's own
 * `audit` argument instead, in its transaction (see `ports/metadata-store.ts`).
 *
 * The shape other features call (retention, webhooks):
 * `runtime.audit.record(by, act, target, details?)`, e.g.
 * `record(SYSTEM_AUDIT_CONTEXT, 'export.delete', { communityId, objectType: 'work_dyi_job',
 * objectId }, { reason: 'expired' })`. It resolves once the record is committed, and throws
 * (a TransientError naming the audit trail) when it could not be.
 */
import {
  type AuditAct,
  type AuditBreak,
  type AuditContext,
  type AuditDetails,
  auditEntry,
  type AuditEntry,
  type AuditRecord,
  type AuditTarget,
  DyiError,
  findAuditBreak,
  TransientError,
} from '../domain/index.js';
import { type Clock, unixSeconds } from '../ports/clock.js';
import type { AuditFilter, MetadataStore } from '../ports/metadata-store.js';
import type { Page, PageRequest } from '../ports/paging.js';

/** Records read per query when walking the whole chain. */
const SCAN_BATCH = 1000;

export interface AuditVerification {
  /** Records checked (up to the first break). */
  readonly checked: number;
  readonly firstBreak?: AuditBreak;
}

export class AuditService {
  readonly #store: MetadataStore;
  readonly #clock: Clock;

  constructor(store: MetadataStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** The entry for an act done now, for a store write's `audit` argument. */
  entry(by: AuditContext, act: AuditAct, target: AuditTarget, details?: AuditDetails): AuditEntry {
    return auditEntry(by, act, target, unixSeconds(this.#clock), details);
  }

  /** Appends a record of an act that writes nothing else; the act must not go on if this throws. */
  async record(
    by: AuditContext,
    act: AuditAct,
    target: AuditTarget,
    details?: AuditDetails,
  ): Promise<AuditRecord> {
    try {
      return await this.#store.audit.append(this.entry(by, act, target, details));
    } catch (error) {
      if (error instanceof DyiError && !(error instanceof TransientError)) throw error;
      throw new TransientError(
        `The audit trail could not record ${act}, so it was not done; try again in a moment.`,
        { cause: error },
      );
    }
  }

  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>> {
    return this.#store.audit.list(filter, page);
  }

  count(filter: AuditFilter): Promise<number> {
    return this.#store.audit.count(filter);
  }

  /** Records in chain order, optionally within `[since, until)`. */
  async *inOrder(filter: Pick<AuditFilter, 'since' | 'until'> = {}): AsyncGenerator<AuditRecord> {
    let after = 0;
    for (;;) {
      const batch = await this.#store.audit.scan(after, SCAN_BATCH);
      for (const record of batch) {
        if (filter.since !== undefined && record.time < filter.since) continue;
        if (filter.until !== undefined && record.time >= filter.until) continue;
        yield record;
      }
      const last = batch.at(-1);
      if (!last || batch.length < SCAN_BATCH) return;
      after = last.seq;
    }
  }

  /** Walks the whole chain; answers how many records hold and the first that does not. */
  async verify(): Promise<AuditVerification> {
    let previous: AuditRecord | undefined;
    let checked = 0;
    for (;;) {
      const batch = await this.#store.audit.scan(previous?.seq ?? 0, SCAN_BATCH);
      const firstBreak = findAuditBreak(batch, previous);
      if (firstBreak) {
        const before = batch.findIndex((record) => record.seq === firstBreak.seq);
        return { checked: checked + before, firstBreak };
      }
      checked += batch.length;
      previous = batch.at(-1) ?? previous;
      if (batch.length < SCAN_BATCH) return { checked };
    }
  }
}
