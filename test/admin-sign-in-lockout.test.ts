/**
 * The sign-in lock against guessing: attempts sent at once are counted before any password is
 * checked, an unknown email is answered exactly like an admin's, and the lock of one client
 * address neither spills over to another nor can be dodged by trying many emails. Real stores
 * and the real app over inject(), time from a manual clock.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type GraphFixture, ManualClock, startGraphFixture } from './support/graph-fixture.js';
import {
  createPanelAdmin,
  PANEL_PASSWORD,
  PanelClient,
  type PanelResponse,
} from './support/panel-client.js';

const ATTACKER = '203.0.113.7';
const ADMIN_DESK = '198.51.100.20';
/** Same length as the admin's email, so that the pages (which echo it) have the same length. */
const UNKNOWN_EMAIL = 'nobod@example.test';
const ADDRESS_FAILURES = 8;

let fixture: GraphFixture;
let clock: ManualClock;
let email: string;

beforeEach(async () => {
  clock = new ManualClock(Date.now());
  fixture = await startGraphFixture(
    { signInFailureDelayMs: 10, signInAddressFailures: ADDRESS_FAILURES },
    clock,
  );
  const community = await fixture.runtime.communities.create('Acme');
  email = await createPanelAdmin(fixture.runtime, community.id);
});

afterEach(async () => {
  await fixture.close();
});

/** Posts every form at once from one browser (one form token for all), like a script would. */
async function postAtOnce(
  app: FastifyInstance,
  forms: readonly Record<string, string>[],
  remoteAddress = ATTACKER,
): Promise<PanelResponse[]> {
  const browser = new PanelClient(app, remoteAddress);
  const page = await browser.get('/admin/sign-in');
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return Promise.all(
    forms.map((form) => browser.post('/admin/sign-in', { _csrf: token, ...form })),
  );
}

function signedIn(answer: PanelResponse): boolean {
  return /dyi_admin_session=[^;]/.test(String(answer.headers['set-cookie']));
}

function wrongPasswords(count: number, who = email): { email: string; password: string }[] {
  return Array.from({ length: count }, (_, i) => ({ email: who, password: `wrong guess ${i}` }));
}

describe('attempts sent at once', () => {
  it('checks at most five of 100 wrong passwords; the rest are refused with 429', async () => {
    const answers = await postAtOnce(fixture.app, wrongPasswords(100));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(95);
    expect(answers.find((a) => a.status === 429)?.headers['retry-after']).toBe('30');
    // Long enough for 100 checks, so that code that makes them fails on the count, not on time.
  }, 300_000);

  it('does not sign in the right password sent behind 39 wrong ones', async () => {
    const answers = await postAtOnce(fixture.app, [
      ...wrongPasswords(39),
      { email, password: PANEL_PASSWORD },
    ]);
    const right = answers.at(-1);
    expect(right?.status).toBe(429);
    expect(answers.filter(signedIn)).toEqual([]);
    expect(answers.filter((a) => a.status === 401)).toHaveLength(5);
  }, 300_000);
});

const RANDOM_HEADERS = new Set(['date', 'x-fb-trace-id']);

/** What a client can see of an answer, without what differs at random (tokens, trace, date). */
function visible(answer: PanelResponse) {
  const headers = Object.fromEntries(
    Object.entries(answer.headers).map(([name, value]) => [
      name,
      RANDOM_HEADERS.has(name)
        ? '…'
        : [value ?? []].flat().map((v) => String(v).replace(/=[\w-]+;/, '=…;')),
    ]),
  );
  const body = answer.body
    .replace(/value="[\w-]{32}"/, 'value="…"')
    .replaceAll(UNKNOWN_EMAIL, email);
  return { status: answer.status, headers, body };
}
describe('an unknown email', () => {
  it('gets the same answers, headers included, as an admin for the same attempts', async () => {
    const seen = new Map<string, ReturnType<typeof visible>[]>();
    for (const [who, address] of [
      [email, '192.0.2.1'],
      [UNKNOWN_EMAIL, '192.0.2.2'],
    ] as const) {
      const browser = new PanelClient(fixture.app, address);
      const answers: PanelResponse[] = [];
      for (const { password } of wrongPasswords(6, who)) {
        answers.push(await browser.submit('/admin/sign-in', { email: who, password }));
      }
      answers.push(...(await postAtOnce(fixture.app, wrongPasswords(3, who), address)));
      clock.advance(30_000);
      answers.push(await browser.submit('/admin/sign-in', { email: who, password: 'wrong again' }));
      answers.push(await browser.submit('/admin/sign-in', { email: who, password: 'and again' }));
      seen.set(who, answers.map(visible));
    }
    const admin = seen.get(email) ?? [];
    expect(admin.map((a) => a.status)).toEqual([
      401, 401, 401, 401, 401, 429, 429, 429, 429, 401, 429,
    ]);
    expect(admin.at(-1)?.headers['retry-after']).toEqual(['60']);
    expect(seen.get(UNKNOWN_EMAIL)).toEqual(admin);
  }, 60_000);
});

describe('client addresses', () => {
  it("locks one address out of an account, and not the admin's own", async () => {
    const attacker = new PanelClient(fixture.app, ATTACKER);
    for (const { password } of wrongPasswords(5)) {
      expect((await attacker.submit('/admin/sign-in', { email, password })).status).toBe(401);
    }
    const refused = await attacker.submit('/admin/sign-in', { email, password: PANEL_PASSWORD });
    expect(refused.status).toBe(429);
    expect(signedIn(refused)).toBe(false);

    const admin = new PanelClient(fixture.app, ADMIN_DESK);
    const answer = await admin.submit('/admin/sign-in', { email, password: PANEL_PASSWORD });
    expect(answer.status).toBe(303);
    expect(signedIn(answer)).toBe(true);
  }, 60_000);

  it('refuses an address that tried too many emails, whichever email it tries next', async () => {
    const attacker = new PanelClient(fixture.app, ATTACKER);
    for (let i = 0; i < ADDRESS_FAILURES; i++) {
      const answer = await attacker.submit('/admin/sign-in', {
        email: `guess${i}@example.test`,
        password: 'a common password',
      });
      expect(answer.status).toBe(401);
    }
    const refused = await attacker.submit('/admin/sign-in', { email, password: PANEL_PASSWORD });
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('from this address');
    expect(refused.headers['retry-after']).toBe('30');
    expect(signedIn(refused)).toBe(false);

    // Everyone else signs in as usual.
    const admin = new PanelClient(fixture.app, ADMIN_DESK);
    expect((await admin.submit('/admin/sign-in', { email, password: PANEL_PASSWORD })).status).toBe(
      303,
    );
  }, 60_000);

  it('counts an IPv6 client by its /64, the block one subscriber holds', async () => {
    for (let i = 0; i < 5; i++) {
      const rotating = new PanelClient(fixture.app, `2001:db8:1:2::${(i + 1).toString(16)}`);
      const answer = await rotating.submit('/admin/sign-in', { email, password: `wrong ${i}` });
      expect(answer.status).toBe(401);
    }
    const next = new PanelClient(fixture.app, '2001:db8:1:2:ffff::9');
    expect((await next.submit('/admin/sign-in', { email, password: PANEL_PASSWORD })).status).toBe(
      429,
    );
    const elsewhere = new PanelClient(fixture.app, '2001:db8:1:3::1');
    expect(
      (await elsewhere.submit('/admin/sign-in', { email, password: PANEL_PASSWORD })).status,
    ).toBe(303);
  }, 60_000);

  it('unlocks the account everywhere when its password is set anew', async () => {
    const attacker = new PanelClient(fixture.app, ATTACKER);
    for (const { password } of wrongPasswords(6)) {
      await attacker.submit('/admin/sign-in', { email, password });
    }
    await fixture.runtime.admins.setPassword(email, 'a brand new password');
    const answer = await attacker.submit('/admin/sign-in', {
      email,
      password: 'a brand new password',
    });
    expect(answer.status).toBe(303);
  }, 60_000);
});

describe('behind a reverse proxy', () => {
  /** Wrong passwords for the admin, each sent as if forwarded for a client of its own. */
  async function forwardedFor(app: FastifyInstance, clients: readonly string[]) {
    const statuses: number[] = [];
    for (const [i, client] of clients.entries()) {
      const browser = new PanelClient(app, '127.0.0.1');
      const page = await browser.get('/admin/sign-in');
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const answer = await browser.request(
        'POST',
        '/admin/sign-in',
        { _csrf: token, email, password: `wrong ${i}` },
        { 'x-forwarded-for': client },
      );
      statuses.push(answer.status);
    }
    return statuses;
  }

  it('ignores X-Forwarded-For unless DYI_TRUST_PROXY names the proxy', async () => {
    const clients = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6'];
    expect(await forwardedFor(fixture.app, clients)).toEqual([401, 401, 401, 401, 401, 429]);

    const proxied = await startGraphFixture(
      { signInFailureDelayMs: 10, trustProxy: '127.0.0.1, ::1' },
      clock,
    );
    try {
      const community = await proxied.runtime.communities.create('Acme');
      await createPanelAdmin(proxied.runtime, community.id, email);
      expect(await forwardedFor(proxied.app, clients)).toEqual([401, 401, 401, 401, 401, 401]);
    } finally {
      await proxied.close();
    }
  }, 60_000);

  it('refuses a DYI_TRUST_PROXY that is not addresses', () => {
    expect(() => loadConfig({ DYI_TRUST_PROXY: '10.0.0.0/8, uniquelocal' })).not.toThrow();
    expect(() => loadConfig({ DYI_TRUST_PROXY: 'true' })).toThrow(/trustProxy: expected addresses/);
  });
});
