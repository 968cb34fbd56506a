/**
 * @module
 * CPU time of a PostgreSQL database's backends on this machine, for a bench whose server talks
 * to it: the backends of the database (`pg_stat_activity`, this connection's own left out) are
 * sampled from /proc every 200 ms and each one's growth added up, since a pool opens and closes
 * them as it goes (a backend's last 200 ms before it ends, and its first before it is seen,
 * are missed: connection set-up and tear-down, not queries).
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { USER_HZ } from './process-cpu.js';

const SAMPLE_MS = 200;

export class BackendCpu {
  readonly #client: pg.Client;
  /** Each backend's CPU microseconds when last read. */
  readonly #seen = new Map<number, number>();
  #total = 0;
  #timer: NodeJS.Timeout | undefined;
  #sampling: Promise<void> = Promise.resolve();

  constructor(url: string) {
    this.#client = new pg.Client({ connectionString: url, application_name: 'bench-backend-cpu' });
  }

  async start(): Promise<void> {
    await this.#client.connect();
    await this.#sample();
    this.#timer = setInterval(() => {
      this.#sampling = this.#sampling.then(() => this.#sample()).catch(() => undefined);
    }, SAMPLE_MS);
  }

  /** CPU microseconds the backends have used since `start` (read now). */
  async micros(): Promise<number> {
    this.#sampling = this.#sampling.then(() => this.#sample());
    await this.#sampling;
    return this.#total;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sampling.catch(() => undefined);
    await this.#client.end().catch(() => undefined);
  }

  async #sample(): Promise<void> {
    const { rows } = await this.#client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    for (const { pid } of rows) {
      const now = await cpuMicrosOf(pid);
      if (now === undefined) continue;
      const before = this.#seen.get(pid);
      if (before !== undefined) this.#total += now - before;
      this.#seen.set(pid, now);
    }
  }
}

async function cpuMicrosOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / USER_HZ) * 1e6;
  } catch {
    return undefined;
  }
}
