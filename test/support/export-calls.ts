/**
 * @module
 * The Graph calls the scale-out tests make, over plain `fetch` against one origin (the
 * balancer, one API process, or an embedded server): create an export, wait for it, and read
 * every job with its files in two requests; and the digest that compares two exports'
 * archives entry by entry (`archive-compare.ts`).
 */
import { expect } from 'vitest';
import { identityOf, servedExportDigest } from './archive-compare.js';
import { waitFor } from './export-scenarios.js';
import { BACKEND_HEADER } from './round-robin-balancer.js';

export interface ApiFile {
  readonly id: string;
  readonly part_number: number;
  readonly name: string;
  readonly file_size: number;
  readonly sha256: string;
  readonly download_url: string;
}

export interface ApiJob {
  readonly id: string;
  readonly job_state: string;
  readonly user?: { readonly id: string };
  readonly files?: { readonly data: ApiFile[] };
}

export interface Answer<T> {
  readonly body: T;
  readonly status: number;
  /** The balancer's `x-test-backend`: which API process answered (null without a balancer). */
  readonly backend: string | null;
}

const FILE_FIELDS = 'files.limit(100){id,part_number,name,file_size,sha256,download_url}';

export class ExportCalls {
  readonly #origin: string;
  readonly #token: string;
  readonly #params: Record<string, string>;

  /** Calls to `origin` with `token`; exports are made with `params`. */
  constructor(origin: string, token: string, params: Record<string, string>) {
    this.#origin = origin;
    this.#token = token;
    this.#params = params;
  }

  /** GET of a path (or a whole URL, such as `paging.next`) with the token, or another one. */
  async get<T>(pathOrUrl: string, token = this.#token): Promise<Answer<T>> {
    const response = await fetch(new URL(pathOrUrl, this.#origin), {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as T;
    return { body, status: response.status, backend: response.headers.get(BACKEND_HEADER) };
  }

  async createExport(): Promise<string> {
    const response = await fetch(new URL('/v19.0/community/work_dyi_jobs', this.#origin), {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#token}` },
      body: new URLSearchParams(this.#params),
    });
    const body = (await response.json()) as { id: string };
    expect(response.status, JSON.stringify(body)).toBe(200);
    return body.id;
  }

  async isCompleted(exportId: string): Promise<boolean> {
    const answer = await this.#getOk<{ is_completed: boolean }>(`/${exportId}?fields=is_completed`);
    return answer.is_completed;
  }

  async waitForCompletion(exportId: string, timeoutMs: number): Promise<void> {
    await waitFor(
      `export ${exportId} to complete`,
      async () => ((await this.isCompleted(exportId)) ? true : undefined),
      { timeoutMs, intervalMs: 200 },
    );
  }

  /** Every job of the export (company job first) with its files. */
  async jobsOf(exportId: string): Promise<ApiJob[]> {
    const { company_job: company } = await this.#getOk<{ company_job: ApiJob }>(
      `/${exportId}?fields=company_job{id,job_state,${FILE_FIELDS}}`,
    );
    const users = await this.#getOk<{ data: ApiJob[]; paging: { next?: string } }>(
      `/${exportId}/user_dyi_jobs?fields=id,job_state,user,${FILE_FIELDS}&limit=100`,
    );
    expect(users.paging.next).toBeUndefined();
    return [company, ...users.data];
  }

  /**
   * Every archive of a completed export, downloaded and described entry by entry with its
   * export's id and create time as placeholders (`archive-compare.ts`): equal for two exports of
   * the same content and parameters.
   */
  async archiveDigest(exportId: string): Promise<Map<string, string>> {
    const { create_time } = await this.#getOk<{ create_time: string | number }>(
      `/${exportId}?fields=create_time`,
    );
    const jobs = await this.jobsOf(exportId);
    for (const job of jobs) expect(job.job_state).toBe('COMPLETED');
    const served = jobs.map((job) => ({ ...job, files: job.files?.data ?? [] }));
    return servedExportDigest(served, identityOf(exportId, create_time));
  }

  async #getOk<T>(pathOrUrl: string): Promise<T> {
    const { body, status } = await this.get<T>(pathOrUrl);
    expect(status, JSON.stringify(body)).toBe(200);
    return body;
  }
}

export function filesOf(jobs: readonly ApiJob[]): ApiFile[] {
  return jobs.flatMap((job) => job.files?.data ?? []);
}
