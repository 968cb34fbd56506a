/**
 * @module
 * Secrets the panel shows exactly once (a new integration's app secret, a new access token),
 * kept on the server between the form's POST and the page it redirects to (post-redirect-get).
 * The POST stores what to show under a random id and redirects to a URL with that id; the
 * GET takes it out, so a reload, the back button or a copied URL finds nothing and creates
 * nothing. An entry belongs to the session that made it (no other session can take it), and
 * lives in this process's memory only, for `REVEAL_TTL_MS` at most: the secret is never
 * written anywhere, and one not picked up in time is gone, as it would be after a restart.
 */
import { randomBytes } from 'node:crypto';
import { isSameToken } from '../../services/admin-service.js';

/** How long a secret waits for its page, in ms: the redirect follows at once. */
export const REVEAL_TTL_MS = 5 * 60_000;
/** At most this many secrets wait at once; the oldest give way (a flood loses only its own). */
const MAX_WAITING = 1000;

interface Entry<T> {
  readonly owner: string;
  readonly expiresAt: number;
  readonly value: T;
}

export class OneTimeReveals<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Keeps `value` for the session `owner` (its CSRF token); answers the id to take it by. */
  put(owner: string, value: T): string {
    this.#dropExpired();
    while (this.#entries.size >= MAX_WAITING) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    const id = randomBytes(18).toString('base64url');
    this.#entries.set(id, { owner, expiresAt: this.#now() + REVEAL_TTL_MS, value });
    return id;
  }

  /** The value kept under `id` for `owner`, removed as it is read; undefined ever after. */
  take(owner: string, id: string): T | undefined {
    this.#dropExpired();
    const entry = this.#entries.get(id);
    if (!entry || !isSameToken(entry.owner, owner)) return undefined;
    this.#entries.delete(id);
    return entry.value;
  }

  #dropExpired(): void {
    const now = this.#now();
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(id);
    }
  }
}
