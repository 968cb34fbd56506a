/**
 * @module
 * Unit tests of download URL signing, with time held by a fake clock instead of sleeping.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DownloadUrlError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import { DownloadUrlSigner } from './download-url-signer.js';

const START_MS = 1_700_000_000_000;

function setUp(ttlSeconds = 3600) {
  let nowMs = START_MS;
  const clock: Clock = { now: () => nowMs };
  const signer = new DownloadUrlSigner({
    secret: 'test-secret',
    publicUrl: 'https://dyi.example.test/',
    ttlSeconds,
    clock,
  });
  return {
    signer,
    advanceSeconds: (seconds: number) => {
      nowMs += seconds * 1000;
    },
  };
}

function paramsOf(url: string): { id: string; expires: string; signature: string } {
  const parsed = new URL(url);
  return {
    id: decodeURIComponent(parsed.pathname.split('/')[2] ?? ''),
    expires: parsed.searchParams.get('expires') ?? '',
    signature: parsed.searchParams.get('signature') ?? '',
  };
}

function reasonOf(action: () => void): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof DownloadUrlError) return error.reason;
    throw error;
  }
}

describe('DownloadUrlSigner', () => {
  it('makes the documented URL with an HMAC-SHA256 of id and expiry', () => {
    const { signer } = setUp();
    const { url, expiresTime } = signer.sign({ id: '123', name: 'part 1 – été.zip' });
    expect(expiresTime).toBe(START_MS / 1000 + 3600);
    const signature = createHmac('sha256', 'test-secret')
      .update(`123.${expiresTime}`)
      .digest('hex');
    expect(url).toBe(
      `https://dyi.example.test/dyi-files/123/part%201%20%E2%80%93%20%C3%A9t%C3%A9.zip?expires=${expiresTime}&signature=${signature}`,
    );
  });

  it('accepts its own URL until the second it expires', () => {
    const { signer, advanceSeconds } = setUp(60);
    const { id, expires, signature } = paramsOf(signer.sign({ id: '123', name: 'a.zip' }).url);
    expect(reasonOf(() => signer.verify(id, expires, signature))).toBeUndefined();
    advanceSeconds(59);
    expect(reasonOf(() => signer.verify(id, expires, signature))).toBeUndefined();
    advanceSeconds(1);
    expect(reasonOf(() => signer.verify(id, expires, signature))).toBe('expired');
  });

  it('says what to do in its messages', () => {
    const { signer, advanceSeconds } = setUp(60);
    const { id, expires, signature } = paramsOf(signer.sign({ id: '123', name: 'a.zip' }).url);
    advanceSeconds(61);
    expect(() => signer.verify(id, expires, signature)).toThrow(
      /expired at 2023-11-14T22:14:20\.000Z\. Fetch GET \/\{job_id\}\/files again for a fresh download_url/,
    );
    expect(() => signer.verify(id, expires, undefined)).toThrow(/fresh download_url/);
  });

  it('reports a pushed-forward expiry as tampered, even after the real expiry', () => {
    const { signer, advanceSeconds } = setUp(60);
    const { id, expires, signature } = paramsOf(signer.sign({ id: '123', name: 'a.zip' }).url);
    const later = String(Number(expires) + 86_400);
    expect(reasonOf(() => signer.verify(id, later, signature))).toBe('tampered');
    advanceSeconds(120);
    expect(reasonOf(() => signer.verify(id, later, signature))).toBe('tampered');
  });

  it('rejects a signature of another file as tampered', () => {
    const { signer } = setUp();
    const { expires, signature } = paramsOf(signer.sign({ id: '123', name: 'a.zip' }).url);
    expect(reasonOf(() => signer.verify('124', expires, signature))).toBe('tampered');
  });

  it.each([
    ['missing signature', (e: string, _s: string) => [e, undefined]],
    ['missing expires', (_e: string, s: string) => [undefined, s]],
    ['short signature', (e: string, s: string) => [e, s.slice(0, 63)]],
    ['upper-case signature', (e: string, s: string) => [e, s.toUpperCase()]],
    ['non-hex signature', (e: string, s: string) => [e, `${s.slice(0, 63)}g`]],
    [
      'one flipped digit',
      (e: string, s: string) => [e, `${s.slice(0, 63)}${s.endsWith('0') ? '1' : '0'}`],
    ],
    ['expires with a sign', (e: string, s: string) => [`+${e}`, s]],
    ['expires as a float', (e: string, s: string) => [`${e}.0`, s]],
    ['empty values', () => ['', '']],
  ] as const)('rejects a URL with %s as tampered', (_label, edit) => {
    const { signer } = setUp();
    const { id, expires, signature } = paramsOf(signer.sign({ id: '123', name: 'a.zip' }).url);
    const [editedExpires, editedSignature] = edit(expires, signature);
    expect(reasonOf(() => signer.verify(id, editedExpires, editedSignature))).toBe('tampered');
  });

  it('rejects URLs signed with another secret', () => {
    const { signer } = setUp();
    const other = new DownloadUrlSigner({
      secret: 'other-secret',
      publicUrl: 'https://dyi.example.test',
      ttlSeconds: 3600,
      clock: { now: () => START_MS },
    });
    const { id, expires, signature } = paramsOf(other.sign({ id: '123', name: 'a.zip' }).url);
    expect(reasonOf(() => signer.verify(id, expires, signature))).toBe('tampered');
  });

  it('refuses an empty secret or a lifetime that is not positive', () => {
    const clock: Clock = { now: () => START_MS };
    const base = { secret: 's', publicUrl: 'http://x', ttlSeconds: 60, clock };
    expect(() => new DownloadUrlSigner({ ...base, secret: '' })).toThrow(/secret is empty/);
    expect(() => new DownloadUrlSigner({ ...base, ttlSeconds: 0 })).toThrow(/above 0/);
  });
});
