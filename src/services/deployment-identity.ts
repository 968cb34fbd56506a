/**
 * @module
 * Which deployment a server belongs to, as `dyi doctor` asks the public URL: an id derived from
 * the download-URL secret that every process of one deployment shares (it lives in the
 * metadata store), so all API processes behind a balancer answer the same id, another
 * deployment answers another, and the secret itself cannot be recovered from the id.
 */
import { createHash } from 'node:crypto';

/** Where a server answers `{ "deployment": id }`, without authentication. */
export const DEPLOYMENT_ID_PATH = '/.well-known/dyi-deployment';

/** Settings key of the secret (also `runtime.ts`'s). */
export const DOWNLOAD_SECRET_KEY = 'download_url_secret';

/** The deployment id of the deployment whose download-URL secret is `secret`. */
export function deploymentIdOf(secret: string): string {
  return createHash('sha256').update(`dyi-deployment\u0000${secret}`).digest('hex').slice(0, 32);
}
