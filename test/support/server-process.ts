/**
 * @module
 * `dyi serve` in a real process of its own, as an operator runs it: started from the TypeScript
 * sources on a free port, found by the URL its banner prints, and stopped by its PID, either
 * gracefully (SIGTERM) or the hard way (SIGKILL, as a crash or an OOM killer would).
 */
import { type DyiProcess, startDyiProcess } from './dyi-process.js';

/** How long a server may take to print its banner, in milliseconds. */
const START_TIMEOUT_MS = 30_000;
/** The same when it makes the demo (50 members with images; slow on a busy machine). */
const DEMO_START_TIMEOUT_MS = 180_000;
const BANNER_START = 'serving the Graph API at ';

export interface ServerProcess extends DyiProcess {
  /** The origin the banner printed (also the server's public URL, in download links). */
  readonly baseUrl: string;
  /** What it printed on stdout up to the end of its banner. */
  readonly banner: string;
}

/**
 * Starts `dyi serve --port 0 --no-demo --data-dir <dataDir> ...args` and resolves once it is
 * serving. `env` adds to this process's environment (logs are silenced unless it says otherwise).
 * With `demo`, `--no-demo` is left out: an empty data dir gets the demo community.
 */
export async function startServer(
  dataDir: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
  { demo = false }: { demo?: boolean } = {},
): Promise<ServerProcess> {
  const server = await startDyiProcess(
    ['serve', '--port', '0', ...(demo ? [] : ['--no-demo']), '--data-dir', dataDir, ...args],
    {
      env,
      // The banner ends with an empty line, printed once the workers have started.
      isReady: ({ stdout }) => {
        const at = stdout.indexOf(BANNER_START);
        return at >= 0 && stdout.includes('\n\n', at);
      },
      timeoutMs: demo ? DEMO_START_TIMEOUT_MS : START_TIMEOUT_MS,
      notReady: 'printed no banner',
    },
  );
  const banner = server.stdout();
  const baseUrl = new RegExp(`${BANNER_START}(\\S+)`).exec(banner)?.[1] ?? '';
  return { ...server, baseUrl, banner };
}
