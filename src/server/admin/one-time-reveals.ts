/**
 * @module
 * Secrets the panel shows exactly once (a new integration's app secret, a new access token),
 * kept between the form's POST and the page it redirects to (post-redirect-get), in the
 * database every API process shares: behind a balancer the GET may reach another process.
 *
 * The POST encrypts what to show (AES-256-GCM) under a fresh random key, stores only that
 * ciphertext, its owner (a hash of the session's CSRF token) and its expiry under a random id
 * (`PendingRevealRepository`), and redirects to a URL holding `<id>.<key>`. The GET deletes the
 * row and gets its ciphertext in one statement, then decrypts it with the URL's key. Hence:
 * - only the session that made it can take it: another finds no row of its own;
 * - it is taken once, atomically, even by two processes at once (`DELETE … RETURNING`), so a
 *   reload, the back button or a copied URL finds nothing and creates nothing;
 * - it waits `REVEAL_TTL_MS` at most (expired rows go at the next put), and at most
 *   `MAX_WAITING` per session wait (a flood pushes out only its own);
 * - the plain secret is never written anywhere. The database holds ciphertext whose key is
 *   only in the URL, so a dump of the database alone reveals nothing; the URL alone is
 *   useless to another session, and to anyone once taken or expired (the row is gone). Logs
 *   never hold the key: `reveal` is redacted as the other secret parameters are (`app.ts`).
 *   A tampered key or ciphertext fails GCM's check and shows nothing (the row is gone all
 *   the same: the session's one take was spent).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { PendingRevealRepository } from '../../ports/metadata-store.js';

/** How long a secret waits for its page, in ms: the redirect follows at once. */
export const REVEAL_TTL_MS = 5 * 60_000;
/** At most this many secrets of one session wait at once; its oldest give way. */
const MAX_WAITING = 20;

const CIPHER = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** `<id>.<key>`: 18 random bytes and 32, base64url. */
const HANDLE = /^([\w-]{24})\.([\w-]{43})$/;

export class OneTimeReveals<T> {
  readonly #store: PendingRevealRepository;
  readonly #clock: Clock;

  constructor(store: PendingRevealRepository, clock: Clock = systemClock) {
    this.#store = store;
    this.#clock = clock;
  }

  /**
   * Keeps `value` (JSON) for the session `owner` (its CSRF token); answers the handle to take
   * it by, `<id>.<key>`, for the redirect's URL only.
   */
  async put(owner: string, value: T): Promise<string> {
    const now = this.#clock.now();
    await this.#store.deleteExpired(now);
    const id = randomBytes(18).toString('base64url');
    const key = randomBytes(KEY_BYTES);
    await this.#store.put(
      {
        id,
        ownerHash: ownerHash(owner),
        ciphertext: encrypt(key, id, JSON.stringify(value)),
        expireTimeMs: now + REVEAL_TTL_MS,
      },
      MAX_WAITING,
    );
    return `${id}.${key.toString('base64url')}`;
  }

  /** The value kept under `handle` for `owner`, removed as it is read; undefined ever after. */
  async take(owner: string, handle: string): Promise<T | undefined> {
    const [, id, key] = HANDLE.exec(handle) ?? [];
    if (id === undefined || key === undefined) return undefined;
    const ciphertext = await this.#store.take(id, ownerHash(owner), this.#clock.now());
    if (ciphertext === undefined) return undefined;
    const plain = decrypt(Buffer.from(key, 'base64url'), id, ciphertext);
    return plain === undefined ? undefined : (JSON.parse(plain) as T);
  }
}

/** What the store keeps of the owner: a hash, so the table holds no session's token. */
function ownerHash(owner: string): string {
  return createHash('sha256').update(owner).digest('hex');
}

/** base64url of IV, tag and ciphertext; the id is authenticated with it (no row swaps). */
function encrypt(key: Buffer, id: string, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES }).setAAD(
    Buffer.from(id),
  );
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The plain text, or undefined when the key, the id or the ciphertext is not the one sealed. */
function decrypt(key: Buffer, id: string, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  if (key.length !== KEY_BYTES || bytes.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv(CIPHER, key, bytes.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    })
      .setAAD(Buffer.from(id))
      .setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const body = bytes.subarray(IV_BYTES + TAG_BYTES);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
