/**
 * @module
 * The priority of export threads, read from Linux's /proc as an operator's `top -H` shows it:
 * in `dyi serve` (yieldToApi) they run at nice 19 behind the API of their process; in
 * `dyi worker` at normal priority, since there is no API there to yield to.
 */
import { readdir, readFile } from 'node:fs/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type GraphFixture, startGraphFixture } from '../../test/support/graph-fixture.js';
import { WorkerPool } from './worker-pool.js';

let fixture: GraphFixture;
let pool: WorkerPool | undefined;

beforeEach(async () => {
  fixture = await startGraphFixture();
});

afterEach(async () => {
  await pool?.stop();
  pool = undefined;
  await fixture.close();
});

/** Nice values of this process's threads (field 19 of /proc/self/task/<tid>/stat). */
async function threadNiceness(): Promise<number[]> {
  const values = [];
  for (const tid of await readdir('/proc/self/task')) {
    const stat = await readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => undefined);
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields) values.push(Number(fields[16]));
  }
  return values;
}

async function startPool(yieldToApi: boolean): Promise<number[]> {
  const before = (await threadNiceness()).filter((nice) => nice === 19).length;
  pool = new WorkerPool({
    config: fixture.runtime.config,
    metadata: fixture.runtime.metadata,
    queue: fixture.runtime.queue,
    threads: 2,
    yieldToApi,
  });
  await pool.start();
  const after = await threadNiceness();
  return [before, after.filter((nice) => nice === 19).length];
}

it.runIf(process.platform === 'linux')('lowers its threads to nice 19 beside an API', async () => {
  const [before, after] = await startPool(true);
  expect((after ?? 0) - (before ?? 0)).toBeGreaterThanOrEqual(2);
});

it.runIf(process.platform === 'linux')('runs its threads at normal priority alone', async () => {
  const [before, after] = await startPool(false);
  expect(after).toBe(before);
});
