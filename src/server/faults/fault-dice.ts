/**
 * @module
 * The seeded dice of fault mode. Each roll is the SHA-256 of the seed, the request's key
 * (method and URL, its credentials and signature left out) and how many times that key was
 * seen before: the same seed and the same requests give the same faults, whatever order
 * concurrent requests arrive in, and a retry of a request rolls again.
 */
import { createHash } from 'node:crypto';

/** Query parameters that change between two tries of the same request. */
const VOLATILE_PARAMS =
  /[?&](?:access_token|appsecret_proof|appsecret_time|signature|expires)=[^&]*/g;

/** Keys whose counts are kept; past it they start again (a long run forgets its oldest). */
const KEYS_KEPT = 100_000;

export class FaultDice {
  readonly #seed: string;
  readonly #seen = new Map<string, number>();

  constructor(seed: number) {
    this.#seed = String(seed);
  }

  /** Numbers in [0, 1) for this try of the request, as many as asked for. */
  roll(method: string, url: string, count: number): number[] {
    const key = `${method} ${url.replace(VOLATILE_PARAMS, '')}`;
    const tries = this.#seen.get(key) ?? 0;
    if (this.#seen.size >= KEYS_KEPT) this.#seen.clear();
    this.#seen.set(key, tries + 1);
    const digest = createHash('sha256').update(`${this.#seed}\n${key}\n${tries}`).digest();
    // Four bytes a number: up to eight numbers from one digest.
    return Array.from(
      { length: count },
      (_, i) => digest.readUInt32BE((i % 8) * 4) / 0x1_0000_0000,
    );
  }
}
