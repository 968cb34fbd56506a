/**
 * @module
 * The change mark of a PostgreSQL store (see `MetadataStore.changeMark`), kept in memory: a
 * counter that moves on every notification on the `dyi_changes` channel (which the triggers of
 * migration 0001 send at every commit that wrote a metadata table, from any process) and on
 * every write of this process, reported by the pool as soon as it completes.
 *
 * One dedicated connection LISTENs (not a pooled one: the pool may close idle connections).
 * While it is down nothing can be known, so every read of the mark gives a new one; it is
 * opened again after a pause that grows from RETRY_MIN_MS to RETRY_MAX_MS, and the mark moves
 * once more when it is back, since notifications sent meanwhile were lost.
 */
import pg from 'pg';

/** The channel the triggers of migration 0001 notify. */
export const CHANGES_CHANNEL = 'dyi_changes';

/** First pause before opening a lost listening connection again, in milliseconds. */
const RETRY_MIN_MS = 100;
/** Longest pause between attempts to open it, in milliseconds. */
const RETRY_MAX_MS = 5000;

export interface ChangeNoticesOptions {
  readonly url: string;
  /** The name PostgreSQL shows for the listening connection in `pg_stat_activity`. */
  readonly applicationName: string;
}

export class ChangeNotices {
  readonly #options: ChangeNoticesOptions;
  #mark = 0;
  #client: pg.Client | undefined;
  #listening = false;
  #stopped = true;
  #retryMs = RETRY_MIN_MS;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: ChangeNoticesOptions) {
    this.#options = options;
  }

  /** Opens the listening connection; fails when PostgreSQL cannot be reached. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#listen();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#listening = false;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** The current mark; a new one on every call while nobody listens. */
  mark(): number {
    return this.#listening ? this.#mark : ++this.#mark;
  }

  /** Something may have changed: this process wrote, or a notification came. */
  bump(): void {
    this.#mark++;
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#options.url,
      application_name: this.#options.applicationName,
    });
    client.on('notification', () => this.bump());
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      this.#client = undefined;
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#stopped) {
      await client.end();
      return;
    }
    this.#listening = true;
    this.#retryMs = RETRY_MIN_MS;
    this.bump();
  }

  /** The listening connection failed or ended; failures while opening it throw instead. */
  #lost(client: pg.Client): void {
    if (client !== this.#client || !this.#listening) return;
    this.#client = undefined;
    this.#listening = false;
    this.bump();
    client.end().catch(() => undefined);
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#stopped || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (this.#stopped) return;
      this.#listen().catch(() => {
        this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
        this.#scheduleRetry();
      });
    }, this.#retryMs);
    this.#retry.unref();
  }
}
