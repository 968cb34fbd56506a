/**
 * @module
 * The SSRF guard of webhook requests: which addresses count as non-public, and that a name
 * resolving to loopback is refused where the socket connects (no request reaches the
 * receiver), as is an IPv6 loopback literal, while the setting lets both through.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedRange, WebhookSender } from './webhook-sender.js';
import { retryDelayMs } from './webhook-deliverer.js';

let port = 0;
let requests = 0;
const server = createServer((_request, response) => {
  requests += 1;
  response.end('ok');
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  port = address.port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('refusedRange', () => {
  it('names private, loopback, link-local and other non-public addresses', () => {
    expect(refusedRange('127.0.0.1')).toBe('a loopback address');
    expect(refusedRange('10.1.2.3')).toBe('a private address');
    expect(refusedRange('172.31.255.1')).toBe('a private address');
    expect(refusedRange('192.168.1.1')).toBe('a private address');
    expect(refusedRange('169.254.169.254')).toBe('a link-local address');
    expect(refusedRange('100.64.0.1')).toBe('a shared (carrier-grade NAT) address');
    expect(refusedRange('0.0.0.0')).toBe('a "this network" address');
    expect(refusedRange('::1')).toBe('a loopback address');
    expect(refusedRange('fe80::1')).toBe('a link-local address');
    expect(refusedRange('fd00::1')).toBe('a unique-local (private) address');
    expect(refusedRange('::ffff:127.0.0.1')).toBe('a loopback address');
    expect(refusedRange('93.184.215.14')).toBeUndefined();
    expect(refusedRange('172.32.0.1')).toBeUndefined();
    expect(refusedRange('2606:4700::1111')).toBeUndefined();
  });
});

describe('WebhookSender', () => {
  it('refuses a name that resolves to loopback at connect time, unless allowed', async () => {
    const strict = new WebhookSender({ allowPrivate: false, timeoutMs: 5000 });
    const open = new WebhookSender({ allowPrivate: true, timeoutMs: 5000 });
    try {
      const before = requests;
      const refused = await strict.post(`http://localhost:${port}/hook`, '{}', 'secret');
      expect(refused.status).toBeNull();
      expect(refused.error).toContain('loopback address');
      const literal = await strict.post(`http://[::1]:${port}/hook`, '{}', 'secret');
      expect(literal.error).toContain('refused to connect to ::1');
      expect(requests).toBe(before);
      const allowed = await open.post(`http://127.0.0.1:${port}/hook`, '{}', 'secret');
      expect(allowed.status).toBe(200);
      expect(requests).toBe(before + 1);
    } finally {
      await strict.close();
      await open.close();
    }
  });
});

describe('retryDelayMs', () => {
  it('waits a random time up to base × 2^(attempt − 1), capped', () => {
    const options = { retryBaseMs: 1000, retryMaxDelayMs: 60_000 };
    expect(retryDelayMs(1, options, () => 0.999)).toBe(999);
    expect(retryDelayMs(4, options, () => 0.5)).toBe(4000);
    expect(retryDelayMs(30, options, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(3, options, () => 0)).toBe(0);
  });
});
