/**
 * @module
 * The HTTP client of the download benches, in a child process of its own so that it shares
 * neither a server's event loop nor its process: a plain Node `http.get` per request, counting
 * and dropping the bytes. `get` answers the status, the byte count and the seconds from request
 * to last byte; `stop` ends the child by its pid.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { stopChild } from './child-process.js';

/** The client, as plain JavaScript for `node -e`: one GET per IPC message. */
const CLIENT_SOURCE = `
const http = require('node:http');
process.on('message', (url) => {
  const started = process.hrtime.bigint();
  http.get(url, { agent: false }, (response) => {
    let bytes = 0;
    response.on('data', (chunk) => { bytes += chunk.length; });
    response.on('end', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      process.send({ status: response.statusCode, bytes, seconds });
    });
  }).on('error', (error) => process.send({ error: String(error) }));
});
`;

export interface Fetched {
  readonly status: number;
  readonly bytes: number;
  readonly seconds: number;
}

export interface DownloadClient {
  /** Downloads `url` whole; rejects on a network error. */
  get(url: string): Promise<Fetched>;
  stop(): Promise<void>;
}

export function startDownloadClient(): DownloadClient {
  const child = spawn(process.execPath, ['-e', CLIENT_SOURCE], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    async get(url) {
      const answered = once(child, 'message');
      child.send(url);
      const [reply] = (await answered) as [Partial<Fetched> & { error?: string }];
      if (reply.error !== undefined) throw new Error(`GET ${url} failed: ${reply.error}`);
      return { status: reply.status ?? 0, bytes: reply.bytes ?? 0, seconds: reply.seconds ?? 0 };
    },
    stop: () => stopChild(child),
  };
}
