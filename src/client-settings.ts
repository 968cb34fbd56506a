/**
 * @module
 * What the downloader (`dyi list`, `dyi download`) takes from the environment: a module of its
 * own, without the server's settings and their validation library, so that the download
 * commands start without loading them.
 */

/** What the downloader (`dyi list`, `dyi download`) takes from the environment. */
export interface ClientSettings {
  /** `DYI_TOKEN`: the access token, when no `--token` is given. */
  readonly token: string | undefined;
}

export function clientSettings(env: NodeJS.ProcessEnv = process.env): ClientSettings {
  const token = env.DYI_TOKEN?.trim();
  return Object.freeze({ token: token === '' ? undefined : token });
}
