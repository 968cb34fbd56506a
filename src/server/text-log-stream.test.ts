/**
 * The terminal's log lines from pino's JSON: warnings and errors always (an error with its
 * stack), requests only when asked for, as one line each with the method and URL of their
 * start; nothing else below warnings.
 */
import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { TextLogStream } from './text-log-stream.js';

const TIME = Date.UTC(2026, 6, 1, 9, 30, 5);

async function shown(showRequests: boolean, lines: readonly object[]): Promise<string[]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const stream = new TextLogStream(out, { showRequests });
  for (const line of lines) {
    await new Promise<void>((resolve) =>
      stream.write(`${JSON.stringify(line)}\n`, () => resolve()),
    );
  }
  return text.split('\n').filter(Boolean);
}

const REQUEST = [
  { level: 30, time: TIME, msg: 'Server listening at http://127.0.0.1:8080' },
  { level: 30, time: TIME, fbtrace_id: 'r1', req: { method: 'GET', url: '/community' }, msg: 'x' },
  { level: 30, time: TIME, fbtrace_id: 'r1', code: 190, msg: '(#190) Invalid OAuth access token' },
  { level: 30, time: TIME, fbtrace_id: 'r1', res: { statusCode: 400 }, responseTime: 2.345 },
  { level: 40, time: TIME, msg: 'disk almost full' },
  {
    level: 50,
    time: TIME,
    fbtrace_id: 'r2',
    msg: 'unexpected error',
    err: { message: 'boom', stack: 'Error: boom\n    at f (a.js:1:1)' },
  },
];

it('shows warnings and errors only, by default', async () => {
  expect(await shown(false, REQUEST)).toEqual([
    '09:30:05 WARN disk almost full',
    '09:30:05 ERROR unexpected error [trace r2]',
    '  Error: boom',
    '      at f (a.js:1:1)',
  ]);
});

it('adds one line per request and why it was refused, when asked for', async () => {
  expect(await shown(true, REQUEST)).toEqual([
    '09:30:05 INFO (#190) Invalid OAuth access token (code 190) [trace r1]',
    '09:30:05 GET /community 400 2.3 ms [trace r1]',
    '09:30:05 WARN disk almost full',
    '09:30:05 ERROR unexpected error [trace r2]',
    '  Error: boom',
    '      at f (a.js:1:1)',
  ]);
});

it('passes a line that is not JSON through as it is', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  new TextLogStream(out, { showRequests: false }).write('not json\n');
  await new Promise((resolve) => setImmediate(resolve));
  expect(text).toBe('not json\n');
});

it('marks every line of a server in fault mode', async () => {
  const faulty = REQUEST.map((line) => ({ ...line, faults: 'flaky' }));
  expect(await shown(true, faulty)).toEqual([
    '09:30:05 [fault mode] INFO (#190) Invalid OAuth access token (code 190) [trace r1]',
    '09:30:05 [fault mode] GET /community 400 2.3 ms [trace r1]',
    '09:30:05 [fault mode] WARN disk almost full',
    '09:30:05 [fault mode] ERROR unexpected error [trace r2]',
    '  Error: boom',
    '      at f (a.js:1:1)',
  ]);
});
