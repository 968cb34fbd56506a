/**
 * @module
 * `dyi list`: every file of every completed export, one line each in the format the spec's
 * Python sample prints (or NDJSON with `--json`). Also the options both client commands
 * (`list`, `download`) share, and how they find the token: `--token`, else `DYI_TOKEN`, else a
 * prompt that does not echo. The token is never printed and never written anywhere.
 */
import { Command } from 'commander';
import { clientSettings } from '../client-settings.js';
import { ValidationError } from '../domain/index.js';
import {
  DEFAULT_BASE_URL,
  GraphClient,
  listExportFiles,
  type RetryNotice,
} from '../client/index.js';
import { findRunningServer } from '../running-server.js';
import { readHidden } from './hidden-prompt.js';

export interface ClientOptions {
  readonly baseUrl?: string;
  readonly graphVersion?: string;
  readonly token?: string;
  readonly appsecret?: string;
  readonly connectTimeout: string;
  readonly idleTimeout: string;
  readonly retries: string;
  readonly retryBaseMs: string;
  readonly json?: boolean;
}

export function addClientOptions(command: Command): Command {
  return command
    .option('--base-url <url>', `Graph API origin (env DYI_BASE_URL; default: ${DEFAULT_BASE_URL})`)
    .option('--graph-version <version>', 'version prefix such as v22.0 (default: none)')
    .option('--token <token>', 'access token (default: env DYI_TOKEN, else asked for)')
    .option('--appsecret <secret>', 'app secret: sends appsecret_proof with every call')
    .option('--connect-timeout <ms>', 'milliseconds to connect', '10000')
    .option('--idle-timeout <ms>', 'milliseconds without a byte before retrying', '30000')
    .option('--retries <n>', 'attempts per request (and per file without progress)', '6')
    .option('--retry-base-ms <ms>', 'backoff base in milliseconds (doubles per retry)', '500')
    .option('--json', 'NDJSON on stdout');
}

/** A client built from the options; close it when done. */
export async function openClient(
  options: ClientOptions,
  onRetry?: (notice: RetryNotice) => void,
): Promise<GraphClient> {
  const env = clientSettings(process.env);
  const baseUrl = options.baseUrl ?? env.baseUrl ?? (await defaultBaseUrl(env.dataDir));
  if (!/^https?:\/\/[^/]+/.test(baseUrl)) {
    throw new ValidationError(
      'base-url',
      `--base-url (or DYI_BASE_URL) must be an http(s) URL, not "${baseUrl}".`,
    );
  }
  // Every option is checked before the prompt, so that a typo does not cost a typed token.
  const settings = {
    baseUrl,
    ...(options.graphVersion !== undefined && { graphVersion: options.graphVersion }),
    ...(options.appsecret !== undefined && { appSecret: options.appsecret }),
    connectTimeoutMs: whole('connect-timeout', options.connectTimeout, 1),
    idleTimeoutMs: whole('idle-timeout', options.idleTimeout, 1),
    retry: {
      attempts: whole('retries', options.retries, 1),
      baseMs: whole('retry-base-ms', options.retryBaseMs, 0),
    },
    ...(onRetry && { onRetry }),
  };
  const token = options.token ?? env.token ?? (await promptToken());
  return new GraphClient({ token, ...settings });
}

/**
 * Workplace's origin, unless a `dyi serve` of the data dir here is running: then the user
 * most likely means that one, and a local token must not go to Workplace, so the command stops
 * and names the URL to pass instead of guessing.
 */
async function defaultBaseUrl(dataDir: string): Promise<string> {
  const local = await findRunningServer(dataDir);
  if (local === undefined) return DEFAULT_BASE_URL;
  throw new ValidationError(
    'base-url',
    `No --base-url given, and the data dir ${dataDir} has a dyi server running at ${local.url}: ` +
      `pass --base-url ${local.url} (or set DYI_BASE_URL=${local.url}) to use it, ` +
      `or --base-url ${DEFAULT_BASE_URL} for Workplace.`,
  );
}

/** A whole number option of at least `min`, or a ValidationError naming it. */
export function whole(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new ValidationError(name, `--${name} must be a whole number from ${min}, not "${text}".`);
  }
  return value;
}

interface ListOptions extends ClientOptions {
  readonly export?: string[];
  readonly includeIncomplete?: boolean;
}

export function listCommand(): Command {
  return addClientOptions(
    new Command('list')
      .description("list every file of every completed export (the spec sample's lines)")
      .option('--export <id...>', 'only these exports')
      .option('--include-incomplete', 'also list exports that are not completed'),
  ).action(async (options: ListOptions) => {
    const client = await openClient(options);
    try {
      const files = listExportFiles(client, {
        ...(options.export && { exportIds: options.export }),
        includeIncomplete: options.includeIncomplete === true,
        onSkippedExport: (id) => {
          const line = `Skipping job ${id} because it is not completed\n`;
          (options.json ? process.stderr : process.stdout).write(line);
        },
      });
      for await (const file of files) {
        process.stdout.write(
          options.json
            ? `${JSON.stringify({
                export_id: file.exportId,
                job_id: file.jobId,
                job_type: file.jobType,
                user_id: file.userId,
                file_id: file.fileId,
                file_size: file.size,
                name: file.name,
                sha256: file.sha256,
                download_url: file.downloadUrl,
              })}\n`
            : `Export ID: ${file.exportId}, Job ID: ${file.jobId}, Job Type: ${file.jobType === 'COMPANY' ? 'Company' : 'User'}, File ID: ${file.fileId}, File Size: ${file.size}, Download URL: ${file.downloadUrl}\n`,
        );
      }
    } finally {
      await client.close();
    }
  });
}

/** Reads the token from the terminal without echoing it; refuses when there is no terminal. */
async function promptToken(): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new ValidationError('token', 'No access token: pass --token or set DYI_TOKEN.');
  }
  return readHidden('Access token (not shown): ', 'access token');
}
