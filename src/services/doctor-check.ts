/**
 * @module
 * What every check of `dyi doctor` answers: one line, and what to do when it is not ok.
 */

/** `skip`: not checked (it does not apply, or an earlier failure makes it meaningless). */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Short and stable: "data dir", "free space", "schema", "blob store" ... */
  readonly name: string;
  readonly status: CheckStatus;
  /** What was found, as a phrase. */
  readonly detail: string;
  /** What to do, for `warn` and `fail`. */
  readonly fix?: string;
}

export function ok(name: string, detail: string): CheckResult {
  return { name, status: 'ok', detail };
}

export function fail(name: string, detail: string, fix: string): CheckResult {
  return { name, status: 'fail', detail, fix };
}

export function warn(name: string, detail: string, fix: string): CheckResult {
  return { name, status: 'warn', detail, fix };
}

export function skip(name: string, detail: string): CheckResult {
  return { name, status: 'skip', detail };
}

/** The message of an error, on one line. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim();
}
