/**
 * @module
 * `dyi download` against the tool a user would otherwise pick, `curl --parallel --parallel-max 8
 * --config LIST`, same run, on an export of 2,000 user jobs with one small file each (plus the
 * company job's). For curl the URL list is prepared in advance and untimed (the bench lists
 * every job's files through the Graph API before each round, since the URLs are signed for a
 * while); dyi's time includes its listing, downloads, SHA-256 checks and state. Goal: dyi at
 * least 0.8 of curl's speed (curl's seconds / dyi's seconds). For information, the spec's
 * sequential Python sample followed by a sequential fetch of each URL runs beside them. Data: a community of 2,000 members (added through `CommunityService`), one
 * export made through `ExportService.create` as the API does, and every job completed with one
 * file of 1 to 16 KiB (seeded sizes) through `JobService`, in a temp data directory; then the
 * compiled `dyi serve` runs in a child process on 127.0.0.1 with rate limits off.
 *
 * The Python side is the sample of `seed/dyi-export-api.txt`, extracted at run time as
 * `test/support/python-sample.ts` does, with its base URL and token replaced. As written, the
 * sample reads only the first page of each list (25 user jobs of 2,000), so the bench runs a
 * copy with one minimal change: it follows `paging.next` of `user_dyi_jobs` (four added lines,
 * printed by the bench); every other call stays as the spec wrote it. A second Python script
 * then fetches each printed URL in turn with `requests.get` and writes it to disk. The bench
 * also runs the sample as is, once, and prints how many files it finds.
 *
 * Every side is timed from process start to exit, alternating, and must write every file with
 * the right size. The Python line is left out, with the reason, when python3 with requests or
 * the spec (beside the repository, as in CI) is missing. It stops the server by its pid and
 * removes the temp dir at the end, also on Ctrl-C.
 * Each run also prints the CPU time (user + system) of the timed processes and of the server
 * meanwhile, which load moves less than seconds. `--build DIR` adds a second `dyi download` from
 * another compiled build (e.g. the build before a change) to the same rounds, against the same
 * server; `--no-python` leaves the Python line out.
 *
 * Deleting what a round wrote makes the next rounds' file creation slower: ext4 skips inodes
 * freed in the last minute (or longer while their table block is dirty) and reads their table
 * block for each file it creates, so creating files where thousands were just deleted cost
 * about 1 ms each here, growing round after round, for both sides (docs/benchmarks.md). So
 * the rounds are in two phases: first `--kept-rounds` of dyi and curl whose files stay until
 * the phase ends (information: the cost of a file system where nothing was deleted lately, as
 * on a user's disk), then the goal's rounds, which delete after each run as this bench always
 * has.
 * Run: `npm run bench:download-many` (builds first) or
 * `npx tsx bench/download-many-vs-python.ts [--rounds 2] [--kept-rounds 2] [--users 2000]
 * [--concurrency N] [--build DIR] [--no-python]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { openRuntime } from '../src/runtime.js';
import {
  benchArgs,
  flag,
  integerFrom,
  NEEDS_BUILD,
  positiveInteger,
  text,
} from './support/bench-args.js';
import { completeWithOnePart, tokenAndExport } from './support/bench-export.js';
import { reportResult } from './support/bench-result.js';
import { loadAverage, startBuiltServer, stopChild, timed } from './support/child-process.js';
import { median } from './support/measure-load.js';
import { processTreeCpuSeconds } from './support/process-cpu.js';
import { withScratchDir } from './support/scratch-dir.js';

/** dyi's speed over curl's: curl's seconds / dyi's seconds. */
const GOAL_RATIO = 0.8;
/** curl's `--parallel-max`, as the issue names it; `dyi download` runs at its default (8, the same). */
const CURL_PARALLEL = 8;
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
const SPEC = path.resolve(REPO_ROOT, '..', 'shared', 'seed', 'dyi-export-api.txt');
const PYTHON = 'python3';
/** Longest any one child may run before the bench kills it (by its pid) and fails. */
const CHILD_TIMEOUT_MS = 600_000;
const RUN = { timeoutMs: CHILD_TIMEOUT_MS };

/** The sample's user-job loop, and the same loop over every page (the one change made). */
const SAMPLE_PAGE_LINES = `    user_dyi_jobs = response.json()

    # Iterate through all user DYI jobs
    for user_dyi_job in user_dyi_jobs["data"]:`;
const PAGINATED_LINES = `    user_dyi_jobs = response.json()
    all_user_dyi_jobs = user_dyi_jobs["data"]
    while "next" in user_dyi_jobs.get("paging", {}):
        user_dyi_jobs = requests.get(user_dyi_jobs["paging"]["next"]).json()
        all_user_dyi_jobs += user_dyi_jobs["data"]

    # Iterate through all user DYI jobs
    for user_dyi_job in all_user_dyi_jobs:`;

/** Fetches every URL of the sample's output, one after the other, into a directory. */
const FETCH_SCRIPT = `import os, re, sys, requests
out = sys.argv[2]
line = re.compile(r"Job ID: (\\d+), .*File ID: (\\d+), File Size: (\\d+), Download URL: (\\S+)$")
count = 0
for text in open(sys.argv[1]):
    match = line.search(text.strip())
    if not match:
        continue
    job_id, file_id, size, url = match.groups()
    response = requests.get(url)
    response.raise_for_status()
    os.makedirs(os.path.join(out, job_id), exist_ok=True)
    with open(os.path.join(out, job_id, file_id), "wb") as file:
        file.write(response.content)
    if len(response.content) != int(size):
        sys.exit(f"file {file_id}: {len(response.content)} of {size} bytes")
    count += 1
print(count)
`;

type Contender = 'dyi' | 'dyi --build' | 'curl' | 'python';

/** Rounds of the contenders, alternating; `keepFiles`: what they wrote stays until the last. */
interface Phase {
  readonly name: string;
  readonly rounds: number;
  readonly contenders: readonly Contender[];
  readonly keepFiles: boolean;
}

interface Run {
  readonly ms: number;
  /** CPU seconds (user + system) of the processes the run started, once they have exited. */
  readonly clientCpu: number;
  /** The user part of clientCpu: the system part moves with the file system's state. */
  readonly clientUser: number;
  /** CPU seconds the server used meanwhile. */
  readonly serverCpu: number;
}

/**
 * CPU seconds in user and system mode of this process's children that have exited and been
 * waited for: fields cutime and cstime of /proc/self/stat, in clock ticks of 1/100 s.
 */
function childrenCpuSeconds(): { user: number; system: number } {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[13]) / 100, system: Number(fields[14]) / 100 };
}

interface Seeded {
  readonly token: string;
  readonly exportId: string;
  readonly files: number;
  readonly bytes: number;
}

async function main(): Promise<void> {
  const { values, fail } = benchArgs({
    summary:
      "`dyi download` against `curl --parallel --parallel-max 8` (and the spec's Python sample) on\n" +
      "an export of many user jobs with one small file each (goal: at least 0.8 of curl's speed).",
    needs: [NEEDS_BUILD, 'curl', 'python3 with requests (else the Python line is left out)'],
    options: {
      rounds: positiveInteger('rounds; every contender runs once per round, alternating', 2),
      'kept-rounds': integerFrom(
        0,
        'rounds first, dyi and curl only, whose files stay until all of them have run (0: none)',
        2,
      ),
      users: positiveInteger('members of the community, so user jobs of the export', 2000),
      concurrency: positiveInteger("`dyi download --concurrency` (default: dyi's own)"),
      build: text(
        'DIR',
        'also run `dyi download` from the compiled build in DIR, in the same rounds',
      ),
      'no-python': flag('leave the Python line out'),
    },
  });
  const { rounds, users } = values;
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);
  const otherCli =
    values.build === undefined ? undefined : path.resolve(values.build, 'cli/main.js');
  if (otherCli !== undefined && !existsSync(otherCli)) {
    fail(`--build ${values.build}: ${otherCli} is missing; give a compiled dist/ folder.`);
  }

  await withScratchDir('dyi-bench-many-', async ({ dir, atCleanUp }) => {
    const dataDir = path.join(dir, 'data');
    const setupStarted = performance.now();
    const seeded = await seedManyJobs(dataDir, users);
    console.log(
      `export of ${users} user jobs: ${seeded.files} files, ${(seeded.bytes / 1e6).toFixed(1)} MB, ` +
        `made in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
    );
    const started = await startBuiltServer(dataDir, ['--no-workers']);
    atCleanUp(() => stopChild(started.child));
    const { origin } = started;
    const python = values['no-python']
      ? (console.log('the Python line is left out: --no-python'), false)
      : await preparePython(dir, origin, seeded);

    const concurrency =
      values.concurrency === undefined ? [] : ['--concurrency', String(values.concurrency)];
    const contenders: Contender[] = [
      'dyi',
      ...(otherCli ? (['dyi --build'] as const) : []),
      'curl',
      ...(python ? (['python'] as const) : []),
    ];
    const serverPid = started.child.pid ?? 0;
    const runRounds = async (phase: Phase): Promise<Map<Contender, Run[]>> => {
      const results = new Map<Contender, Run[]>(phase.contenders.map((each) => [each, []]));
      const kept: string[] = [];
      for (let round = 1; round <= phase.rounds; round++) {
        const order = round % 2 === 1 ? phase.contenders : [...phase.contenders].reverse();
        for (const contender of order) {
          const out = path.join(dir, `${phase.name}-${contender.replace(' --', '-')}-${round}`);
          const before = {
            client: childrenCpuSeconds(),
            server: await processTreeCpuSeconds([serverPid]),
          };
          const ms =
            contender === 'curl'
              ? await runCurlParallel(origin, seeded, out)
              : contender === 'python'
                ? await runPython(dir, seeded, out)
                : await runDyi(
                    contender === 'dyi' ? CLI : (otherCli ?? CLI),
                    origin,
                    seeded,
                    out,
                    concurrency,
                  );
          const client = childrenCpuSeconds();
          const run: Run = {
            ms,
            clientCpu: client.user + client.system - before.client.user - before.client.system,
            clientUser: client.user - before.client.user,
            serverCpu: (await processTreeCpuSeconds([serverPid])) - before.server,
          };
          if (phase.keepFiles) kept.push(out);
          else await rm(out, { recursive: true, force: true });
          results.get(contender)?.push(run);
          console.log(
            `  ${phase.name} round ${round} ${contender.padEnd(11)} ${(ms / 1000).toFixed(2).padStart(7)} s ` +
              `(${(seeded.files / (ms / 1000)).toFixed(0)} files/s), CPU s: client ` +
              `${run.clientCpu.toFixed(2)} (user ${run.clientUser.toFixed(2)}), server ${run.serverCpu.toFixed(2)}`,
          );
        }
      }
      for (const out of kept) await rm(out, { recursive: true, force: true });
      return results;
    };
    console.log(
      `${rounds} rounds, alternating, ${cpus().length} CPUs, load average ${loadAverage()}`,
    );
    // First, while no file of this run has been deleted yet (see the module's comment).
    const fresh = await runRounds({
      name: 'kept',
      rounds: values['kept-rounds'],
      contenders: contenders.filter((each) => each !== 'python'),
      keepFiles: true,
    });
    const results = await runRounds({ name: 'round', rounds, contenders, keepFiles: false });
    for (const [contender, runs] of results) {
      console.log(
        `median CPU s of ${contender.padEnd(11)} client ${median(runs.map((run) => run.clientCpu)).toFixed(2)} ` +
          `(user ${median(runs.map((run) => run.clientUser)).toFixed(2)}), ` +
          `server ${median(runs.map((run) => run.serverCpu)).toFixed(2)}`,
      );
    }
    const secondsOf = (contender: Contender): number[] =>
      (results.get(contender) ?? []).map((run) => run.ms);
    const dyi = median(secondsOf('dyi'));
    const curl = median(secondsOf('curl'));
    if (otherCli !== undefined) {
      const other = median(secondsOf('dyi --build'));
      console.log(
        `median dyi download of --build ${(other / 1000).toFixed(2).padStart(7)} s: its speed / curl's ` +
          `${(curl / other).toFixed(2)} (this build's ${(curl / dyi).toFixed(2)})`,
      );
    }
    const ratio = curl / dyi;
    console.log(`median dyi download               ${(dyi / 1000).toFixed(2).padStart(7)} s`);
    console.log(`median curl --parallel (list ready) ${(curl / 1000).toFixed(2).padStart(7)} s`);
    console.log(
      `dyi's speed / curl's: ${ratio.toFixed(2)} (${ratio >= GOAL_RATIO ? 'meets' : 'MISSES'} the goal of ${GOAL_RATIO})`,
    );
    reportResult({
      bench: 'download-many-vs-python',
      measure: `${seeded.files} small files, dyi download / curl --parallel-max ${CURL_PARALLEL} (speed)`,
      ours: `${(dyi / 1000).toFixed(2)} s`,
      reference: `${(curl / 1000).toFixed(2)} s`,
      ratio,
      goal: { atLeast: GOAL_RATIO },
    });
    if (python) {
      const pythonMs = median(secondsOf('python'));
      console.log(
        `median Python sample + fetch     ${(pythonMs / 1000).toFixed(2).padStart(7)} s (information)`,
      );
      reportResult({
        bench: 'download-many-vs-python',
        measure: `${seeded.files} small files, dyi download / Python sample + fetch (speed)`,
        ours: `${(dyi / 1000).toFixed(2)} s`,
        reference: `${(pythonMs / 1000).toFixed(2)} s`,
        ratio: pythonMs / dyi,
        goal: undefined,
      });
    }
    if (values['kept-rounds'] > 0) {
      const freshOf = (contender: Contender): number =>
        median((fresh.get(contender) ?? []).map((run) => run.ms));
      const freshRatio = freshOf('curl') / freshOf('dyi');
      console.log(
        `files kept, nothing deleted before: dyi ${(freshOf('dyi') / 1000).toFixed(2)} s, ` +
          `curl ${(freshOf('curl') / 1000).toFixed(2)} s: ${freshRatio.toFixed(2)} (information)`,
      );
      reportResult({
        bench: 'download-many-vs-python',
        measure: `${seeded.files} small files, no file deleted before the rounds: dyi / curl (speed)`,
        ours: `${(freshOf('dyi') / 1000).toFixed(2)} s`,
        reference: `${(freshOf('curl') / 1000).toFixed(2)} s`,
        ratio: freshRatio,
        goal: undefined,
      });
    }
    console.log(`load average at the end: ${loadAverage()}`);
  });
}

/**
 * Writes the spec's sample (as is, and following `paging.next`) and the fetch loop into `dir`,
 * and runs the sample as is once; false, with the reason printed, when python3 with requests
 * or the spec is missing.
 */
async function preparePython(dir: string, origin: string, seeded: Seeded): Promise<boolean> {
  const probe = await timed(PYTHON, ['-c', 'import requests'], RUN).catch(() => undefined);
  if (probe?.code !== 0) {
    console.log(`the Python line is left out: ${PYTHON} with requests is missing`);
    return false;
  }
  const spec = await readFile(SPEC, 'utf8').catch(() => undefined);
  if (spec === undefined) {
    console.log(
      `the Python line is left out: the spec's sample is read from ${SPEC} ` +
        `(beside the repository in CI, not in a clone)`,
    );
    return false;
  }
  const sample = sampleFor(spec, origin, seeded.token);
  if (!sample.includes(SAMPLE_PAGE_LINES)) {
    throw new Error(`the spec's sample no longer has the loop this bench paginates`);
  }
  const paginated = sample.replace(SAMPLE_PAGE_LINES, PAGINATED_LINES);
  await writeFile(path.join(dir, 'sample-as-is.py'), sample);
  await writeFile(path.join(dir, 'sample-paginated.py'), paginated);
  await writeFile(path.join(dir, 'fetch-each.py'), FETCH_SCRIPT);
  console.log('the one change to the sample (follows paging.next of user_dyi_jobs):');
  console.log(PAGINATED_LINES.split('\n').slice(1, 5).join('\n'));
  const asIs = await timed(PYTHON, [path.join(dir, 'sample-as-is.py')], RUN);
  const asIsFiles = asIs.stdout.split('\n').filter((line) => line.includes('Download URL'));
  console.log(
    `the sample as is lists ${asIsFiles.length} of ${seeded.files} files (first page of user jobs only)`,
  );
  return true;
}

/**
 * curl with every URL known in advance: the bench lists the export's files through the Graph
 * API (untimed), writes a curl config with a `url` and an `output` per file, then times
 * `curl --parallel --parallel-max 8 --config LIST`.
 */
async function runCurlParallel(origin: string, seeded: Seeded, out: string): Promise<number> {
  const files = await listFiles(origin, seeded);
  const list = path.join(`${out}.curl-config`);
  const lines = files.flatMap((file) => [
    `url = "${file.url}"`,
    `output = "${path.join(out, file.jobId, file.name)}"`,
  ]);
  await writeFile(list, `${lines.join('\n')}\n`);
  const result = await timed(
    'curl',
    [
      '--parallel',
      '--parallel-max',
      String(CURL_PARALLEL),
      '--fail',
      '--silent',
      '--show-error',
      '--create-dirs',
      '--config',
      list,
    ],
    RUN,
  );
  await rm(list, { force: true });
  if (result.code !== 0) throw new Error(`curl exited with ${result.code}: ${result.stderr}`);
  const written = await filesUnder(out);
  if (written.count !== seeded.files || written.bytes !== seeded.bytes) {
    throw new Error(`curl wrote ${written.count} files, ${written.bytes} bytes`);
  }
  return result.ms;
}

interface ListedFile {
  readonly jobId: string;
  readonly name: string;
  readonly url: string;
}

/** Every file of the export with its signed URL, through the Graph API's field expansion. */
async function listFiles(origin: string, seeded: Seeded): Promise<ListedFile[]> {
  const fields = 'id,files.limit(100){name,download_url}';
  const get = async (url: string): Promise<unknown> => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${seeded.token}` } });
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  type Job = { id: string; files?: { data: { name: string; download_url: string }[] } };
  const jobs: Job[] = [];
  const company = (await get(`${origin}/${seeded.exportId}?fields=company_job{${fields}}`)) as {
    company_job: Job;
  };
  jobs.push(company.company_job);
  let next: string | undefined =
    `${origin}/${seeded.exportId}/user_dyi_jobs?limit=100&fields=${encodeURIComponent(fields)}`;
  while (next !== undefined) {
    const page = (await get(next)) as { data: Job[]; paging?: { next?: string } };
    jobs.push(...page.data);
    next = page.paging?.next;
  }
  return jobs.flatMap((job) =>
    (job.files?.data ?? []).map((file) => ({
      jobId: job.id,
      name: file.name,
      url: file.download_url,
    })),
  );
}

/** The spec's sample from `import requests` to the end, with our base URL and token. */
function sampleFor(spec: string, origin: string, token: string): string {
  const start = spec.indexOf('import requests');
  if (start < 0) throw new Error(`${SPEC} has no "import requests" sample`);
  return spec
    .slice(start)
    .replaceAll('https://graph.facebook.com', origin)
    .replaceAll('YOUR_ACTIVE_TOKEN', token)
    .replaceAll('YOUR_ACCESS_TOKEN', token);
}

/** A community of `users` members, one export of all of them, one small file per job. */
async function seedManyJobs(dataDir: string, users: number): Promise<Seeded> {
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  try {
    const community = await runtime.communities.create('Bench Many');
    for (let i = 1; i <= users; i++) {
      await runtime.communities.addMember(community.id, {
        name: `Member ${i}`,
        email: `m${i}@many.example`,
        status: 'active',
      });
    }
    const { token, exportJob } = await tokenAndExport(runtime, community.id);
    const jobs = [
      await runtime.exports.companyJob(exportJob.id),
      ...(await runtime.jobs.listUserJobs(exportJob.id, { limit: users + 1 })).items,
    ];
    let seed = 2026;
    let bytes = 0;
    for (const job of jobs) {
      // A linear congruential sequence: the same sizes every run.
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const size = 1024 + (seed % (15 * 1024));
      const file = await completeWithOnePart(runtime, job, [Buffer.alloc(size, seed & 0xff)]);
      bytes += file.size;
    }
    return { token, exportId: exportJob.id, files: jobs.length, bytes };
  } finally {
    await runtime.close();
  }
}

async function runDyi(
  cli: string,
  origin: string,
  seeded: Seeded,
  out: string,
  concurrency: readonly string[],
): Promise<number> {
  const started = performance.now();
  let listed: number | undefined;
  const onStdout = (text: string): void => {
    if (listed === undefined && text.includes('"event":"start"')) listed = performance.now();
  };
  const result = await timed(
    process.execPath,
    [
      cli,
      'download',
      '--out',
      out,
      '--base-url',
      origin,
      '--token',
      seeded.token,
      '--json',
      ...concurrency,
    ],
    { timeoutMs: CHILD_TIMEOUT_MS, onStdout },
  );
  if (result.code !== 0) {
    throw new Error(`dyi download exited with ${result.code}: ${result.stderr}`);
  }
  const listedSeconds = ((listed ?? started) - started) / 1000;
  console.log(
    `    dyi: listed every file in ${listedSeconds.toFixed(2)} s (to its "start" event), ` +
      `fetched them in ${((performance.now() - (listed ?? started)) / 1000).toFixed(2)} s`,
  );
  const written = await filesUnder(path.join(out, seeded.exportId));
  if (written.count !== seeded.files || written.bytes !== seeded.bytes) {
    throw new Error(`dyi download wrote ${written.count} files, ${written.bytes} bytes`);
  }
  return result.ms;
}

async function runPython(dir: string, seeded: Seeded, out: string): Promise<number> {
  await mkdir(out, { recursive: true });
  const listing = path.join(out, 'listing.txt');
  const started = performance.now();
  const sample = await timed(PYTHON, [path.join(dir, 'sample-paginated.py')], RUN);
  if (sample.code !== 0) throw new Error(`the sample exited with ${sample.code}: ${sample.stderr}`);
  await writeFile(listing, sample.stdout);
  const fetched = await timed(PYTHON, [path.join(dir, 'fetch-each.py'), listing, out], RUN);
  const ms = performance.now() - started;
  console.log(
    `    python: the sample listed every file in ${(sample.ms / 1000).toFixed(2)} s, ` +
      `the loop fetched them in ${(fetched.ms / 1000).toFixed(2)} s`,
  );
  if (fetched.code !== 0)
    throw new Error(`the fetch exited with ${fetched.code}: ${fetched.stderr}`);
  if (Number(fetched.stdout.trim()) !== seeded.files) {
    throw new Error(`Python fetched ${fetched.stdout.trim()} of ${seeded.files} files`);
  }
  return ms;
}

async function filesUnder(root: string): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    count += 1;
    bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return { count, bytes };
}

await main();
