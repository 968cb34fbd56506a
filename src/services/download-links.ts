/**
 * @module
 * What a file's `download_url` is. By default this server's own signed URL
 * (`DownloadUrlSigner`: the download route streams the bytes from the blob store); with
 * `DYI_DOWNLOAD_URLS=presigned` and an S3 blob store, a presigned GET of the S3 object itself,
 * with the same lifetime, so the bytes never pass through an API process.
 */
import type { DyiFile } from '../domain/index.js';
import { unixSeconds, type Clock } from '../ports/clock.js';
import type { SignedDownloadUrl } from './download-url-signer.js';

export interface DownloadLinks {
  /** A URL that fetches the file's bytes without a token until `expiresTime`. */
  sign(file: DyiFile): SignedDownloadUrl | Promise<SignedDownloadUrl>;
}

/** Makes presigned GET URLs of a blob (`S3BlobStore.presignedGetUrl`). */
export interface BlobPresigner {
  presignedGetUrl(
    key: string,
    lifetimeSeconds: number,
    options?: { fileName?: string },
  ): Promise<string>;
}

/** `download_url`s that point at the object store, named after the file for browsers. */
export class PresignedDownloadLinks implements DownloadLinks {
  readonly #presigner: BlobPresigner;
  readonly #ttlSeconds: number;
  readonly #clock: Clock;
  readonly #own: DownloadLinks | undefined;

  /**
   * `own`: this server's links, for files whose export expired: their objects are gone, and
   * the download route answers why (410) where the object store would answer a bare 404.
   */
  constructor(presigner: BlobPresigner, ttlSeconds: number, clock: Clock, own?: DownloadLinks) {
    this.#presigner = presigner;
    this.#ttlSeconds = ttlSeconds;
    this.#clock = clock;
    this.#own = own;
  }

  async sign(file: DyiFile): Promise<SignedDownloadUrl> {
    if (file.expiredTime !== null && this.#own) return this.#own.sign(file);
    const expiresTime = unixSeconds(this.#clock) + this.#ttlSeconds;
    const url = await this.#presigner.presignedGetUrl(file.blobKey, this.#ttlSeconds, {
      fileName: file.name,
    });
    return { url, expiresTime };
  }
}
