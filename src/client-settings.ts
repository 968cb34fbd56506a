/**
 * @module
 * What the light commands (`dyi list`, `dyi download`, and error reporting) take from the
 * environment: a module of its own, without the server's settings and their validation
 * library, so that those commands start without loading them.
 */

/** Default of `--data-dir` / `DYI_DATA_DIR` (also `DEFAULTS.dataDir` of the server's settings). */
export const DEFAULT_DATA_DIR = './.dyi';

/** What the downloader (`dyi list`, `dyi download`) takes from the environment. */
export interface ClientSettings {
  /** `DYI_TOKEN`: the access token, when no `--token` is given. */
  readonly token: string | undefined;
  /** `DYI_BASE_URL`: the Graph API origin, when no `--base-url` is given. */
  readonly baseUrl: string | undefined;
  /** `DYI_DATA_DIR`, else the default: where a local server of this directory would run. */
  readonly dataDir: string;
  /** `DYI_LOG_LEVEL` is debug or trace: errors are printed with their stack trace. */
  readonly debug: boolean;
}

export function clientSettings(env: NodeJS.ProcessEnv = process.env): ClientSettings {
  return Object.freeze({
    token: nonEmpty(env.DYI_TOKEN),
    baseUrl: nonEmpty(env.DYI_BASE_URL),
    dataDir: nonEmpty(env.DYI_DATA_DIR) ?? DEFAULT_DATA_DIR,
    debug: ['debug', 'trace'].includes(env.DYI_LOG_LEVEL?.trim() ?? ''),
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}
