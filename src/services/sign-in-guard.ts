/**
 * @module
 * What stands between a sign-in attempt and its password check. Each attempt is counted
 * before the password is hashed (the store reserves it atomically, so attempts sent at once
 * cannot all slip under the limit), and the checks of one account run one after another in
 * this process. Two counters judge each attempt:
 *
 * - the account from this client address: a few wrong passwords, then a lock that doubles;
 *   it locks out the address that guessed, never the admin signing in from elsewhere;
 * - the client address for any email: more wrong passwords, then the same kind of lock; it
 *   stops one address from spreading its guesses over many emails (or many accounts).
 *
 * There is deliberately no lock for an account from every address: anyone could then keep an
 * admin out by guessing now and then. Guessing from many addresses is slowed by each of them
 * and by scrypt's cost. Accounts are counted by a hash of the email whether or not an admin
 * has it, so an unknown email is locked, answered and timed exactly like a known one.
 */
import { createHash } from 'node:crypto';
import { SignInError, type SignInLockPolicy } from '../domain/index.js';
import type { Clock } from '../ports/clock.js';
import type { SignInCounterKey, SignInCounterRepository } from '../ports/metadata-store.js';
import { clientAddressKey } from './client-address.js';

export interface SignInGuardOptions {
  /** Wrong passwords one address may give for one account before it is locked out of it. */
  readonly accountFailures: number;
  /** Wrong passwords one address may give for any emails before it is locked out. */
  readonly addressFailures: number;
  readonly lockSeconds: number;
  readonly maxLockSeconds: number;
  readonly forgetSeconds: number;
}

export class SignInGuard {
  readonly #counters: SignInCounterRepository;
  readonly #clock: Clock;
  readonly #options: SignInGuardOptions;
  readonly #policy: SignInLockPolicy;
  readonly #accounts = new OneAtATime();

  constructor(counters: SignInCounterRepository, clock: Clock, options: SignInGuardOptions) {
    this.#counters = counters;
    this.#clock = clock;
    this.#options = options;
    this.#policy = {
      firstLockMs: options.lockSeconds * 1000,
      maxLockMs: options.maxLockSeconds * 1000,
      forgetAfterMs: options.forgetSeconds * 1000,
    };
  }

  /**
   * Runs `check` (the password check of `email`, which answers what it found or undefined for
   * a wrong password) as one counted attempt from `address`. A SignInError with the time to
   * wait when a counter is locked: then `check` does not run.
   */
  async attempt<T>(
    email: string,
    address: string,
    check: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const account = accountKey(email);
    const byAccount: SignInCounterKey = { account, address: clientAddressKey(address) };
    const byAddress: SignInCounterKey = { account: '', address: byAccount.address };
    return this.#accounts.run(account, async () => {
      const locked = await this.#counters.reserve(
        [
          { ...byAccount, freeFailures: this.#options.accountFailures },
          { ...byAddress, freeFailures: this.#options.addressFailures },
        ],
        this.#policy,
        this.#clock.now(),
      );
      if (locked) {
        const seconds = Math.ceil(locked.waitMs / 1000);
        const from = locked.rule.account === '' ? 'from this address' : 'for this account';
        throw new SignInError(
          `Too many wrong passwords in a row ${from}: try again in ${seconds} s.`,
          seconds,
        );
      }
      const found = await check();
      // Signed in: this account starts again from zero here; the address only gets this
      // attempt back (signing in to an account of one's own must not wipe out guesses).
      if (found !== undefined) await this.#counters.settle([byAccount], [byAddress]);
      return found;
    });
  }

  /** Forgets every wrong password of `email`, from every address (a new password is set). */
  forget(email: string): Promise<void> {
    return this.#counters.forgetAccount(accountKey(email));
  }
}

/** The counters' key of an email: its hash, so the table lists no guessed address in clear. */
function accountKey(email: string): string {
  return createHash('sha256').update(email).digest('base64url');
}

/** Runs tasks of the same key one after another, in the order they came; others in parallel. */
class OneAtATime {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
