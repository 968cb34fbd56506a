/**
 * @module
 * The admin panel's counters of wrong passwords (table `sign_in_counters`, one row per counter:
 * its account key, client address, failures and the time of the last one), the same on SQLite
 * and PostgreSQL. An attempt is counted in one transaction that first locks the table against
 * other counting transactions (`SqlEngine.lockTable`: SQLite's write transaction holds the
 * file, PostgreSQL's SHARE ROW EXCLUSIVE conflicts with itself, not with reads): attempts from
 * every process are judged one after another, and none is let through on a count that another
 * is changing. Row locks would not do: a counter that does not exist yet has no row to lock.
 */
import type { Kysely, Transaction } from 'kysely';
import { lockedForMs, type SignInLockPolicy } from '../../domain/index.js';
import type {
  SignInCounterKey,
  SignInCounterRepository,
  SignInCounterRule,
} from '../../ports/metadata-store.js';
import type { MetadataTables } from './metadata-tables.js';
import type { SqlEngine } from './sql-engine.js';

export class SqlSignInCounterRepository implements SignInCounterRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {}

  async reserve(
    rules: readonly SignInCounterRule[],
    policy: SignInLockPolicy,
    nowMs: number,
  ): Promise<{ rule: SignInCounterRule; waitMs: number } | undefined> {
    return this.db()
      .transaction()
      .execute(async (trx) => {
        await this.engine.lockTable(trx, 'sign_in_counters');
        // Keeps the table small: unknown emails add rows.
        await trx
          .deleteFrom('sign_in_counters')
          .where('last_failure', '<=', nowMs - policy.forgetAfterMs)
          .execute();
        let longest: { rule: SignInCounterRule; waitMs: number } | undefined;
        for (const rule of rules) {
          const row = await counter(trx, rule);
          const waitMs = row
            ? lockedForMs(
                { failures: row.failures, lastFailure: row.last_failure },
                rule.freeFailures,
                policy,
                nowMs,
              )
            : 0;
          if (waitMs > (longest?.waitMs ?? 0)) longest = { rule, waitMs };
        }
        if (longest) return longest;
        for (const rule of rules) {
          await trx
            .insertInto('sign_in_counters')
            .values({
              account: rule.account,
              address: rule.address,
              failures: 1,
              last_failure: nowMs,
            })
            .onConflict((conflict) =>
              conflict.columns(['account', 'address']).doUpdateSet((eb) => ({
                failures: eb('sign_in_counters.failures', '+', 1),
                last_failure: nowMs,
              })),
            )
            .execute();
        }
        return undefined;
      });
  }

  async settle(
    forget: readonly SignInCounterKey[],
    refund: readonly SignInCounterKey[],
  ): Promise<void> {
    await this.db()
      .transaction()
      .execute(async (trx) => {
        for (const key of forget) {
          await trx
            .deleteFrom('sign_in_counters')
            .where('account', '=', key.account)
            .where('address', '=', key.address)
            .execute();
        }
        for (const key of refund) {
          await trx
            .updateTable('sign_in_counters')
            .set((eb) => ({ failures: eb('failures', '-', 1) }))
            .where('account', '=', key.account)
            .where('address', '=', key.address)
            .where('failures', '>', 0)
            .execute();
        }
      });
  }

  async forgetAccount(account: string): Promise<void> {
    await this.db().deleteFrom('sign_in_counters').where('account', '=', account).execute();
  }
}

function counter(trx: Transaction<MetadataTables>, key: SignInCounterKey) {
  return trx
    .selectFrom('sign_in_counters')
    .select(['failures', 'last_failure'])
    .where('account', '=', key.account)
    .where('address', '=', key.address)
    .executeTakeFirst();
}
