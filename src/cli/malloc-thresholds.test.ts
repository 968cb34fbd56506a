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
});
