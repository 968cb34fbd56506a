/**
 * @module
 * The checks of `dyi doctor` that ask the network: that the public URL (the origin every link
 * and download URL names) answers, and answers as this deployment, by its deployment id
 * (`deployment-identity.ts`); and that this machine's clock agrees with another one (the
 * PostgreSQL server's, else the public URL's HTTP `Date`): signed download URLs and presigned
 * S3 URLs expire by it.
 */
import type { Config } from '../config.js';
import { findRunningServer } from '../running-server.js';
import { type CheckResult, fail, messageOf, ok, skip, warn } from './doctor-check.js';
import { DEPLOYMENT_ID_PATH } from './deployment-identity.js';

/** How long the public URL may take to answer, in milliseconds. */
export const PUBLIC_URL_TIMEOUT_MS = 3000;
/** A clock this far off is a failure (download URLs expire early or late); in seconds. */
export const MAX_CLOCK_SKEW_SECONDS = 30;
/** This far off is worth a warning. */
export const WARN_CLOCK_SKEW_SECONDS = 5;

export interface PublicUrlAnswer {
  readonly result: CheckResult;
  /** How far this machine's clock is ahead of the public URL's HTTP `Date`, in ms. */
  readonly clockAheadMs?: number;
}

export async function checkPublicUrl(
  config: Config,
  deploymentId: string | undefined,
): Promise<PublicUrlAnswer> {
  const name = 'public url';
  const url = `${config.publicUrl}${DEPLOYMENT_ID_PATH}`;
  const fix =
    'set --public-url (DYI_PUBLIC_URL) to the origin clients reach this deployment at, and route it to dyi serve';
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(PUBLIC_URL_TIMEOUT_MS),
      redirect: 'manual',
    });
  } catch (error) {
    const why = messageOf((error as { cause?: unknown }).cause ?? error);
    const detail = `${config.publicUrl} does not answer (${why})`;
    // Embedded and not started yet: nothing can answer so far.
    if (config.databaseUrl === undefined && !(await findRunningServer(config.dataDir))) {
      return {
        result: warn(
          name,
          `${detail}; no dyi serve runs on this data dir`,
          'run dyi doctor again once dyi serve runs',
        ),
      };
    }
    return { result: fail(name, detail, fix) };
  }
  const date = Date.parse(response.headers.get('date') ?? '');
  // `Date` has whole seconds: on average half a second behind the moment it was written.
  const clockAheadMs = Number.isNaN(date) ? undefined : Date.now() - (date + 500);
  const body = (await response.json().catch(() => undefined)) as
    { deployment?: unknown } | undefined;
  const answered = typeof body?.deployment === 'string' ? body.deployment : undefined;
  if (response.status !== 200 || answered === undefined) {
    return {
      clockAheadMs,
      result: fail(
        name,
        `${url} answers HTTP ${response.status} without a deployment id: it reaches something other than dyi serve (another server, a proxy's error page, an older dyi-export)`,
        fix,
      ),
    };
  }
  if (deploymentId !== undefined && answered !== deploymentId) {
    return {
      clockAheadMs,
      result: fail(
        name,
        `${config.publicUrl} answers as another dyi-export deployment (id ${answered}; this one is ${deploymentId})`,
        fix,
      ),
    };
  }
  return {
    clockAheadMs,
    result: ok(
      name,
      deploymentId === undefined
        ? `${config.publicUrl} answers as a dyi server (this database has no deployment id yet to compare)`
        : `${config.publicUrl} answers as this deployment`,
    ),
  };
}

/** Judges this machine's clock by PostgreSQL's, else by the public URL's (each ms ahead). */
export function checkClock(
  aheadOfDatabaseMs: number | undefined,
  aheadOfPublicUrlMs: number | undefined,
): CheckResult {
  const name = 'clock';
  const [other, aheadMs] =
    aheadOfDatabaseMs !== undefined
      ? ['the PostgreSQL server', aheadOfDatabaseMs]
      : aheadOfPublicUrlMs !== undefined
        ? ['the public URL (HTTP Date)', aheadOfPublicUrlMs]
        : [undefined, undefined];
  if (other === undefined || aheadMs === undefined) {
    return skip(name, 'nothing to compare with (no PostgreSQL, and the public URL did not answer)');
  }
  const skew = aheadMs / 1000;
  const detail = `${Math.abs(skew).toFixed(1)} s ${skew >= 0 ? 'ahead of' : 'behind'} ${other}`;
  const fix =
    'synchronise the clocks (NTP: systemd-timesyncd, chrony); download URLs expire by them';
  if (Math.abs(skew) > MAX_CLOCK_SKEW_SECONDS) return fail(name, detail, fix);
  if (Math.abs(skew) > WARN_CLOCK_SKEW_SECONDS) return warn(name, detail, fix);
  return ok(name, detail);
}
