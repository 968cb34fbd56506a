/**
 * @module
 * A worker thread started by `startWithOwnCompiles` optimizes its hot code on its own thread:
 * the CPU the process spends outside the main thread and the worker (V8's platform threads,
 * where TurboFan runs otherwise) stays near nothing, while a worker started plainly, before
 * and after it, has its code optimized there (so the flag is back on for other isolates).
 * CPU time per thread from /proc, which a loaded machine does not change.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { startWithOwnCompiles } from './own-thread-compiles.js';

/** CPU seconds of the calling thread. */
const THREAD_CPU = `
const cpuOfThisThread = () => {
  const stat = require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};`;

/** Many distinct hot functions, each worth optimizing; posts the thread's own CPU seconds. */
const HOT_CODE = `
${THREAD_CPU}
const { parentPort } = require('node:worker_threads');
let total = 0;
for (let k = 0; k < 150; k++) {
  const f = new Function('a', 'b',
    'let s = 0; for (let i = 0; i < a.length; i++) { s += (a[i] * ' + k + ' ^ b) % 7;' +
    ' if (a[i] > ' + k + ') s += JSON.stringify({ x: a[i], k: ' + k + ' }).length; } return s;');
  const values = Array.from({ length: 300 }, (_, i) => i);
  for (let round = 0; round < 60; round++) total += f(values, round);
}
parentPort.postMessage({ cpu: cpuOfThisThread(), total });
`;

function mainThreadCpu(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs the hot code in a worker; CPU seconds spent elsewhere than the main thread and it. */
async function cpuElsewhere(start: (make: () => Worker) => Worker): Promise<number> {
  const processBefore = process.cpuUsage();
  const mainBefore = mainThreadCpu();
  const worker = start(() => new Worker(HOT_CODE, { eval: true }));
  const { cpu } = await new Promise<{ cpu: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const used = process.cpuUsage(processBefore);
  const processCpu = (used.user + used.system) / 1e6;
  return processCpu - (mainThreadCpu() - mainBefore) - cpu;
}

describe.runIf(process.platform === 'linux')('startWithOwnCompiles', () => {
  it("moves a thread's optimizing compiles onto the thread itself, and only its own", async () => {
    const plainBefore = await cpuElsewhere((make) => make());
    const own = await cpuElsewhere(startWithOwnCompiles);
    const plainAfter = await cpuElsewhere((make) => make());
    expect(plainBefore).toBeGreaterThan(0.1);
    expect(plainAfter).toBeGreaterThan(0.1);
    expect(own).toBeLessThan(Math.min(plainBefore, plainAfter) / 4);
  }, 120_000);
});
