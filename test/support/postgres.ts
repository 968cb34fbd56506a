/**
 * @module
 * A fresh PostgreSQL database per test file, on the machine's server (127.0.0.1:5432, trust
 * auth; DYI_TEST_POSTGRES_URL points elsewhere). Tests skip and say why when no server answers,
 * and fail instead under DYI_REQUIRE_SERVICES=1, as CI sets. Each database is dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL =
  process.env.DYI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REQUIRE_SERVICES = process.env.DYI_REQUIRE_SERVICES === '1';

export interface TestDatabase {
  /** The URL of the new, empty database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database (ending any connection still open to it). */
  drop(): Promise<void>;
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Why PostgreSQL cannot be used for tests, or undefined when it can. */
export async function whyNoPostgres(): Promise<string | undefined> {
  try {
    await withAdmin((client) => client.query('SELECT 1'));
    return undefined;
  } catch (error) {
    return `no PostgreSQL at ${ADMIN_URL} (${String(error)}); start it or set DYI_TEST_POSTGRES_URL`;
  }
}

/** Creates an empty database; its name starts with `prefix`. */
export async function createTestDatabase(prefix = 'dyi_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

/**
 * A fresh database for a test file, or undefined with the file's tests skipped (`ctx.skip`)
 * when there is no PostgreSQL; under DYI_REQUIRE_SERVICES=1 a missing server is an error.
 */
export async function postgresOrSkip(ctx: {
  skip(note?: string): void;
}): Promise<TestDatabase | undefined> {
  const why = await whyNoPostgres();
  if (why !== undefined) {
    if (REQUIRE_SERVICES) throw new Error(`DYI_REQUIRE_SERVICES=1 but ${why}`);
    ctx.skip(why);
    return undefined;
  }
  return createTestDatabase();
}

/** True when tests must not skip for a missing service. */
export const requireServices = REQUIRE_SERVICES;
