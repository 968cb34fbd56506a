import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeanAgent, UndiciAgent, undiciRequest } from './lean-agent.js';

describe('LeanAgent', () => {
  let server: http.Server;
  let origin: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json', 'x-seen': req.method });
        res.end('{"error":{"message":"no such object","code":100}}');
        return;
      }
      res.writeHead(200, { etag: '"abc"', 'x-seen': req.headers['x-asked'] ?? '' });
      res.end(`answer to ${req.url}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('is built from the Agent and request undici exports (an upgrade that moves them fails here)', () => {
    expect(UndiciAgent).toBe(Agent);
    // The index puts its API on every dispatcher's prototype.
    expect(Reflect.get(Agent.prototype, 'request')).toBe(undiciRequest);
  });

  it('answers request() with what undici request() gives: status, headers and body', async () => {
    const agent = new LeanAgent({});
    try {
      for (const target of ['/files?x=1', '/missing']) {
        const options = {
          origin,
          path: target,
          method: 'GET' as const,
          headers: { 'x-asked': 'yes' },
        };
        const ours = await agent.request(options);
        const theirs = await request(`${origin}${target}`, { headers: options.headers });
        const read = async (answer: typeof ours) => ({
          status: answer.statusCode,
          etag: answer.headers.etag,
          seen: answer.headers['x-seen'],
          body: await answer.body.text(),
        });
        expect(await read(ours)).toEqual(await read(theirs));
      }
    } finally {
      await agent.close();
    }
  });

  it("keeps undici's index out of what `dyi download` loads", async () => {
    const command = path.resolve(import.meta.dirname, '../cli/download-command.ts');
    const script = [
      `await import(${JSON.stringify(command)});`,
      "const { createRequire } = await import('node:module');",
      'const loaded = Object.keys(createRequire(process.cwd() + "/").cache);',
      'console.log(JSON.stringify(loaded.filter((file) => file.includes("undici"))));',
    ].join('\n');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: path.resolve(import.meta.dirname, '../..') },
    );
    const undiciFiles = JSON.parse(stdout) as string[];
    expect(undiciFiles.some((file) => file.endsWith(path.join('dispatcher', 'agent.js')))).toBe(
      true,
    );
    expect(
      undiciFiles.filter((file) => /undici[\\/]index\.js$|[\\/]lib[\\/]web[\\/]/.test(file)),
    ).toEqual([]);
  });
});
