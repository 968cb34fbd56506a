/**
 * @module
 * Admin passwords hashed with scrypt (node:crypto, on libuv's thread pool, never the event
 * loop). A hash records its own parameters, `scrypt$N$r$p$salt$key` with base64url salt and
 * key, so that the cost can be raised later and older hashes still verify.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt's cost: N = 2^16 with r = 8 takes 64 MiB and about 0.3 s per hash on one core here,
 * a guess rate for stolen hashes of a few per second per core.
 */
const COST = { N: 2 ** 16, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

interface ScryptParameters {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

function derive(password: string, salt: Buffer, cost: ScryptParameters): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_BYTES,
      { ...cost, maxmem: 256 * cost.N * cost.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST);
  return [
    'scrypt',
    COST.N,
    COST.r,
    COST.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/** Whether `password` is the one `hash` was made from; false for a hash it cannot read. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = hash.split('$');
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false;
  const expected = Buffer.from(key, 'base64url');
  const derived = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return derived.length === expected.length && timingSafeEqual(derived, expected);
}

/**
 * A hash to verify against when an email is unknown: the current cost, so that checking it
 * takes as long as checking an admin's, and a random key that no password derives. Made
 * without hashing anything, so the first unknown email costs no more than the next.
 */
export function decoyHash(): string {
  return [
    'scrypt',
    COST.N,
    COST.r,
    COST.p,
    randomBytes(SALT_BYTES).toString('base64url'),
    randomBytes(KEY_BYTES).toString('base64url'),
  ].join('$');
}
