/**
 * @module
 * The spec's Python sample (`seed/dyi-export-api.txt`, from `import requests` to the end of the
 * page), read verbatim at test time and run with Python's `requests` against a server of ours:
 * only its base URL and token are replaced. The spec is not part of this repository: without
 * it (a fresh clone) the tests skip and say why, and fail under DYI_REQUIRE_SERVICES=1. Also
 * parses the lines it prints for each file.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SPEC = fileURLToPath(new URL('../../../shared/seed/dyi-export-api.txt', import.meta.url));
const PYTHON = process.env.DYI_PYTHON ?? 'python3';
const PYTHON_TIMEOUT_MS = 20_000;

/** Set to 1 where a missing Python or spec must fail the test instead of skipping it. */
export const REQUIRE_SERVICES = process.env.DYI_REQUIRE_SERVICES === '1';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        timeout: PYTHON_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
        // requests honours proxy settings; the server is on loopback, never behind a proxy.
        env: { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr: stderr || (error?.message ?? '') });
      },
    );
  });
}

/** Why the sample cannot run here, or undefined when Python and requests are present. */
export async function pythonUnavailable(): Promise<string | undefined> {
  const probe = await run(PYTHON, ['-c', 'import requests']);
  if (probe.code === 0) return undefined;
  return `${PYTHON} with the requests package is needed to run the spec's Python sample: ${probe.stderr.trim()}`;
}

/**
 * Why the spec's text is missing, or undefined when it is there. It lives outside this
 * repository (beside it in CI), and its code is never copied in: a fresh clone has no spec.
 */
export async function specUnavailable(spec: string = SPEC): Promise<string | undefined> {
  const found = await stat(spec).catch(() => undefined);
  if (found?.isFile()) return undefined;
  return `the spec's Python sample is read from ${spec}, which is not there (the spec sits beside this repository in CI, not in a clone)`;
}

export interface SampleRequirements {
  /** Where the spec is read from (default: beside the repository). */
  readonly spec?: string;
  /** Fail instead of skipping (default: DYI_REQUIRE_SERVICES=1). */
  readonly requireServices?: boolean;
}

/**
 * Skips the test, saying why, when the spec's text or python3 with `requests` is missing, or
 * fails it under DYI_REQUIRE_SERVICES=1 (CI), where every test must run.
 */
export async function requireSpecSample(
  ctx: { skip(note?: string): void },
  requirements: SampleRequirements = {},
): Promise<void> {
  const unavailable = (await specUnavailable(requirements.spec)) ?? (await pythonUnavailable());
  if (unavailable === undefined) return;
  if (requirements.requireServices ?? REQUIRE_SERVICES) {
    throw new Error(`DYI_REQUIRE_SERVICES=1 but ${unavailable}`);
  }
  ctx.skip(unavailable);
}

/** Runs the spec's sample unchanged but for its base URL and access token. */
export async function runSpecSample(baseUrl: string, token: string): Promise<RunResult> {
  const spec = await readFile(SPEC, 'utf8');
  const start = spec.indexOf('import requests');
  if (start < 0) throw new Error(`${SPEC} has no "import requests" sample`);
  const script = spec
    .slice(start)
    .replaceAll('https://graph.facebook.com', baseUrl)
    .replaceAll('YOUR_ACTIVE_TOKEN', token)
    .replaceAll('YOUR_ACCESS_TOKEN', token);
  const dir = await mkdtemp(path.join(tmpdir(), 'dyi-python-sample-'));
  try {
    const file = path.join(dir, 'sample.py');
    await writeFile(file, script);
    return await run(PYTHON, [file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface SampleFileLine {
  readonly exportId: string;
  readonly jobId: string;
  readonly jobType: 'Company' | 'User';
  readonly fileId: string;
  readonly fileSize: number;
  readonly downloadUrl: string;
}

const FILE_LINE =
  /^Export ID: (\d+), Job ID: (\d+), Job Type: (Company|User), File ID: (\d+), File Size: (\d+), Download URL: (\S+)$/;

/** The file line the sample printed, or undefined for any other line. */
export function parseFileLine(line: string): SampleFileLine | undefined {
  const match = FILE_LINE.exec(line);
  if (!match) return undefined;
  const [, exportId = '', jobId = '', jobType, fileId = '', fileSize, downloadUrl = ''] = match;
  return {
    exportId,
    jobId,
    jobType: jobType === 'Company' ? 'Company' : 'User',
    fileId,
    fileSize: Number(fileSize),
    downloadUrl,
  };
}
