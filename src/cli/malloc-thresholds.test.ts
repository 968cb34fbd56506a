import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MIB = 1024 * 1024;

/**
 * The compiled module (test/support/cli-build-global-setup.ts), so that the process measured is
 * plain Node: a TypeScript loader's own start-up may raise glibc's thresholds before the test.
 */
function compiledModuleUrl(): string {
  const cli = process.env.DYI_TEST_CLI;
  if (cli === undefined) throw new Error('DYI_TEST_CLI is unset: run through vitest.config.ts');
  return pathToFileURL(path.join(path.dirname(cli), 'malloc-thresholds.js')).href;
}

/**
 * In a fresh Node process, after `raiseMallocThresholds` or not: a loopback HTTP server sends
 * 256 MiB and Node's HTTP client reads them, once to warm up, then once more. Answers the bytes
 * read and the minor page faults of the second read, where 256 MiB are 65,536 pages.
 */
async function readOverHttp(raise: boolean): Promise<{ bytes: number; pageFaults: number }> {
  const source = `
    import http from 'node:http';
    import { raiseMallocThresholds } from ${JSON.stringify(compiledModuleUrl())};
    if (${raise}) raiseMallocThresholds();
    const size = ${256 * MIB};
    const chunk = Buffer.alloc(65536, 7);
    const server = http.createServer((request, response) => {
      response.writeHead(200, { 'content-length': size });
      let sent = 0;
      (function pump() {
        while (sent < size) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      })();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const read = () => new Promise((resolve) => {
      http.get('http://127.0.0.1:' + server.address().port + '/', (response) => {
        let bytes = 0;
        response.on('data', (data) => { bytes += data.length; });
        response.on('end', () => resolve(bytes));
      });
    });
    await read();
    const before = process.resourceUsage().minorPageFault;
    const bytes = await read();
    const pageFaults = process.resourceUsage().minorPageFault - before;
    console.log(JSON.stringify({ bytes, pageFaults }));
    server.close();
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', source]);
  return JSON.parse(stdout) as { bytes: number; pageFaults: number };
}

/**
 * In a fresh Node process after `raiseMallocThresholds`, four times: holds `mib` MiB of 64 KiB
 * buffers, drops them all, and lets garbage collection free them at once. Answers the most
 * resident memory (MiB) one such batch gave back to the kernel.
 */
async function mostReturnedOfBatches(mib: number): Promise<number> {
  const source = `
    import { raiseMallocThresholds } from ${JSON.stringify(compiledModuleUrl())};
    raiseMallocThresholds();
    const collect = async () => {
      for (let turn = 0; turn < 3; turn += 1) {
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await collect();
    let most = 0;
    for (let batch = 0; batch < 4; batch += 1) {
      let held = [];
      for (let bytes = 0; bytes < ${mib * MIB}; bytes += 65536) held.push(Buffer.alloc(65536, 7));
      const before = process.memoryUsage().rss;
      held = undefined;
      await collect();
      most = Math.max(most, before - process.memoryUsage().rss);
    }
    console.log(most / ${MIB});
  `;
  const { stdout } = await run(process.execPath, [
    '--expose-gc',
    '--input-type=module',
    '-e',
    source,
  ]);
  return Number(stdout);
}

// glibc's heuristic is what the module acts on; elsewhere it only allocates and frees.
const isGlibc =
  process.platform === 'linux' &&
  (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header
    .glibcVersionRuntime !== undefined;

describe.skipIf(!isGlibc)('raiseMallocThresholds', () => {
  it('lets the buffers of a download be reused instead of faulted in anew', async () => {
    const plain = await readOverHttp(false);
    const raised = await readOverHttp(true);
    expect([plain.bytes, raised.bytes]).toEqual([256 * MIB, 256 * MIB]);
    // Measured: 5,000 to 27,000 faults without, 400 to 800 with.
    expect(raised.pageFaults).toBeLessThan(4096);
    expect(raised.pageFaults).toBeLessThan(plain.pageFaults / 2);
  }, 60_000);

  it('keeps more freed memory than one garbage collection frees', async () => {
    // V8 collects as soon as its young generation holds 32 MiB of buffers, and frees them all
    // at once; a batch of 40 MiB is more than that. Measured: 0 MiB given back with the 62 MiB
    // trim threshold, 40 MiB with the 32 MiB one of a 16 MiB block.
    expect(await mostReturnedOfBatches(40)).toBeLessThan(8);
  }, 60_000);
});
