/**
 * @module
 * Makes and checks the pre-signed, expiring `download_url` of a DYI file, so that a bare GET
 * with no access token can fetch exactly that file until the URL expires. The signature is an
 * HMAC-SHA256 over the file id and the expiry, so neither can be changed without the server's
 * secret; the file name in the path is only for people and download managers, and is not
 * signed, since the route serves the file the id names whatever name it carries.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigurationError, DownloadUrlError } from '../domain/errors.js';
import { unixSeconds, type Clock } from '../ports/clock.js';

export interface DownloadUrlSignerOptions {
  /** Server secret the HMAC is keyed with; every process that serves downloads needs the same. */
  readonly secret: string;
  /** Absolute base URL clients reach the server at, without a trailing slash. */
  readonly publicUrl: string;
  /** Lifetime of a URL, in seconds. */
  readonly ttlSeconds: number;
  readonly clock: Clock;
}

export interface SignedDownloadUrl {
  readonly url: string;
  /** Unix seconds at which the URL stops working. */
  readonly expiresTime: number;
}

const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;
const EXPIRES_PATTERN = /^[0-9]{1,15}$/;
/** Signed URLs kept for reuse within their second. */
const RECENT_URLS = 4096;
export const FETCH_AGAIN = 'Fetch GET /{job_id}/files again for a fresh download_url.';

export class DownloadUrlSigner {
  readonly #secret: string;
  readonly #publicUrl: string;
  readonly #ttlSeconds: number;
  readonly #clock: Clock;
  readonly #recent = new Map<string, SignedDownloadUrl>();

  constructor(options: DownloadUrlSignerOptions) {
    if (options.secret.length === 0) {
      throw new ConfigurationError(
        'The download URL secret is empty; set one so that URLs cannot be forged.',
      );
    }
    if (!Number.isSafeInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
      throw new ConfigurationError(
        `The download URL lifetime must be a whole number of seconds above 0, not ${options.ttlSeconds}.`,
      );
    }
    this.#secret = options.secret;
    this.#publicUrl = options.publicUrl.replace(/\/+$/, '');
    this.#ttlSeconds = options.ttlSeconds;
    this.#clock = options.clock;
  }

  /** A fresh URL for the file, valid for `ttlSeconds` from now. */
  sign(file: { readonly id: string; readonly name: string }): SignedDownloadUrl {
    const expiresTime = unixSeconds(this.#clock) + this.#ttlSeconds;
    // Lists are read again and again within a second: the same file and expiry, the same URL.
    const key = `${file.id}/${file.name}/${expiresTime}`;
    const known = this.#recent.get(key);
    if (known) return known;
    const signature = this.#signatureOf(file.id, String(expiresTime));
    const url = `${this.#publicUrl}/dyi-files/${encodeURIComponent(file.id)}/${encodeURIComponent(file.name)}?expires=${expiresTime}&signature=${signature}`;
    const signed = { url, expiresTime };
    if (this.#recent.size >= RECENT_URLS) this.#recent.clear();
    this.#recent.set(key, signed);
    return signed;
  }

  /**
   * Throws `DownloadUrlError` unless the URL's parameters were made by `sign` for this file and
   * have not expired. The signature is checked first, so a URL whose expiry was pushed forward
   * by hand is reported as tampered, not as expired.
   */
  verify(fileId: string, expires: string | undefined, signature: string | undefined): void {
    if (expires === undefined || signature === undefined) {
      throw new DownloadUrlError(
        'tampered',
        `This download URL lacks its expires or signature parameter, so it was cut short or edited. ${FETCH_AGAIN}`,
      );
    }
    const expected = Buffer.from(this.#signatureOf(fileId, expires), 'hex');
    const isWellFormed = SIGNATURE_PATTERN.test(signature) && EXPIRES_PATTERN.test(expires);
    if (!isWellFormed || !timingSafeEqual(Buffer.from(signature, 'hex'), expected)) {
      throw new DownloadUrlError(
        'tampered',
        `This download URL's signature does not match its file and expiry, so the URL was edited or signed by another server. ${FETCH_AGAIN}`,
      );
    }
    const expiresTime = Number(expires);
    if (unixSeconds(this.#clock) >= expiresTime) {
      throw new DownloadUrlError(
        'expired',
        `This download URL expired at ${new Date(expiresTime * 1000).toISOString()}. ${FETCH_AGAIN}`,
      );
    }
  }

  #signatureOf(fileId: string, expires: string): string {
    return createHmac('sha256', this.#secret).update(`${fileId}.${expires}`).digest('hex');
  }
}
