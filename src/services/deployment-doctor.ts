/**
 * @module
 * `dyi doctor`'s checks, in the order a deployment depends on them: the data dir and its free
 * space, the database's schema, the blob store, the public URL, the clock, the port, Chromium.
 * Each answers one line (`doctor-check.ts`); a check that cannot run fails on its own line
 * and the rest still run.
 */
import type { Config } from '../config.js';
import { type CheckResult, fail, messageOf, skip } from './doctor-check.js';
import { checkChromium, checkDataDir, checkFreeSpace, checkPort } from './doctor-host-checks.js';
import {
  checkBlobStore,
  checkSchema,
  type DatabaseFacts,
  readDatabaseFacts,
} from './doctor-store-checks.js';
import { checkClock, checkPublicUrl } from './doctor-url-check.js';

export interface DoctorOptions {
  /** The Chromium executable the browser tests use. */
  readonly chromium: string;
  /** Told of each result as soon as it is known. */
  readonly onResult?: (result: CheckResult) => void;
}

export async function runChecks(config: Config, options: DoctorOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const record = (result: CheckResult): CheckResult => {
    results.push(result);
    options.onResult?.(result);
    return result;
  };
  const dataDir = record(await checkDataDir(config.dataDir));
  record(await checkFreeSpace(config.dataDir));
  let facts: DatabaseFacts | undefined;
  try {
    facts = await readDatabaseFacts(config);
    record(checkSchema(facts));
  } catch (error) {
    record(
      fail(
        'schema',
        `the database cannot be read: ${messageOf(error)}`,
        config.databaseUrl === undefined
          ? 'check the data dir (above) and its dyi.sqlite'
          : 'check DYI_DATABASE_URL (host, port, user, password, database) and that PostgreSQL runs',
      ),
    );
  }
  record(await checkBlobStore(config, dataDir.status !== 'fail'));
  const publicUrl = await checkPublicUrl(config, facts?.deploymentId);
  record(publicUrl.result);
  record(
    facts === undefined && config.databaseUrl !== undefined
      ? skip('clock', 'PostgreSQL could not be asked (see above)')
      : checkClock(facts?.clockAheadMs, publicUrl.clockAheadMs),
  );
  record(await checkPort(config));
  record(await checkChromium(options.chromium));
  return results;
}
