/**
 * The admin panel's door: signing in and out, the session cookie's flags, slowed and locked
 * sign-ins after wrong passwords, the CSRF check, and every signed-in route refusing the
 * signed-out. Real stores and the real app over inject().
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GraphFixture, ManualClock, startGraphFixture } from './support/graph-fixture.js';
import { createPanelAdmin, PANEL_PASSWORD, PanelClient } from './support/panel-client.js';

const DELAY_MS = 50;

let fixture: GraphFixture;
let clock: ManualClock;
let email: string;

beforeEach(async () => {
  clock = new ManualClock(Date.now());
  fixture = await startGraphFixture({ signInFailureDelayMs: DELAY_MS }, clock);
  const community = await fixture.runtime.communities.create('Acme');
  email = await createPanelAdmin(fixture.runtime, community.id);
});

afterEach(async () => {
  await fixture.close();
});

describe('signing in', () => {
  it('sends the signed-out to the sign-in page, and back where they were after', async () => {
    const browser = new PanelClient(fixture.app);
    const asked = await browser.get('/admin/exports?page=2');
    expect(asked.status).toBe(303);
    expect(asked.location).toBe('/admin/sign-in?next=%2Fadmin%2Fexports%3Fpage%3D2');
    const signedIn = await browser.submit(
      '/admin/sign-in',
      { email: 'ADMIN@example.test ', password: PANEL_PASSWORD, next: '/admin/exports?page=2' },
      asked.location,
    );
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe('/admin/exports?page=2');
  });

  it('sets an HttpOnly, SameSite=Strict session cookie scoped to /admin', async () => {
    const browser = new PanelClient(fixture.app);
    const page = await browser.get('/admin/sign-in');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const answer = await fixture.app.inject({
      method: 'POST',
      url: '/admin/sign-in',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `dyi_admin_form=${token}`,
      },
      payload: new URLSearchParams({ _csrf: token, email, password: PANEL_PASSWORD }).toString(),
    });
    const session = answer.cookies.find((c) => c.name === 'dyi_admin_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    expect(session?.value).toMatch(/^[\w-]{43}$/);
  });

  it('never goes on to a page outside the panel after signing in', async () => {
    for (const next of [
      'https://evil.example/',
      '//evil.example/admin',
      '/graph',
      '/admin/sign-out',
    ]) {
      const browser = new PanelClient(fixture.app);
      const answer = await browser.submit('/admin/sign-in', {
        email,
        password: PANEL_PASSWORD,
        next,
      });
      expect(answer.location, next).toBe('/admin/exports');
    }
  });

  it('answers a wrong password and an unknown email alike, after a delay', async () => {
    for (const [who, password] of [
      [email, 'not the password at all'],
      ['nobody@example.test', PANEL_PASSWORD],
    ] as const) {
      const browser = new PanelClient(fixture.app);
      const started = performance.now();
      const answer = await browser.submit('/admin/sign-in', { email: who, password });
      expect(performance.now() - started).toBeGreaterThanOrEqual(DELAY_MS - 5);
      expect(answer.status).toBe(401);
      expect(answer.body).toContain('Wrong email or password.');
      expect(answer.headers['set-cookie']).not.toMatch(/dyi_admin_session=[^;]/);
    }
  });

  it('locks the account after five wrong passwords in a row, for longer each time', async () => {
    const browser = new PanelClient(fixture.app);
    for (let i = 0; i < 5; i++) {
      expect(
        (await browser.submit('/admin/sign-in', { email, password: `wrong ${i}` })).status,
      ).toBe(401);
    }
    const locked = await browser.submit('/admin/sign-in', { email, password: PANEL_PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBe('30');
    expect(locked.body).toContain('try again in 30 s');

    clock.advance(30_000);
    expect(
      (await browser.submit('/admin/sign-in', { email, password: 'wrong again' })).status,
    ).toBe(401);
    const longer = await browser.submit('/admin/sign-in', { email, password: PANEL_PASSWORD });
    expect(longer.headers['retry-after']).toBe('60');

    clock.advance(60_000);
    const through = await browser.submit('/admin/sign-in', { email, password: PANEL_PASSWORD });
    expect(through.status).toBe(303);
    // A success starts the count again.
    const fresh = new PanelClient(fixture.app);
    expect((await fresh.submit('/admin/sign-in', { email, password: 'wrong' })).status).toBe(401);
  });

  it('refuses a sign-in form without its CSRF token', async () => {
    const browser = new PanelClient(fixture.app);
    await browser.get('/admin/sign-in');
    const answer = await browser.post('/admin/sign-in', { email, password: PANEL_PASSWORD });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('did not come from this page');
  });

  it('signs out: the session no longer opens any page', async () => {
    const browser = await PanelClient.signedIn(fixture.app, email);
    expect((await browser.get('/admin/exports')).status).not.toBe(303);
    const out = await browser.submit('/admin/sign-out', {}, '/admin/exports');
    expect(out.location).toBe('/admin/sign-in');
    expect((await browser.get('/admin/exports')).status).toBe(303);
  });

  it('signs out every browser of an admin whose password is set anew', async () => {
    const browser = await PanelClient.signedIn(fixture.app, email);
    await fixture.runtime.admins.setPassword(email, 'a brand new password');
    expect((await browser.get('/admin/exports')).location).toMatch(/^\/admin\/sign-in/);
  });

  it('ends a session at its expiry', async () => {
    const browser = await PanelClient.signedIn(fixture.app, email);
    clock.advance(fixture.config.adminSessionSeconds * 1000);
    expect((await browser.get('/admin/exports')).location).toMatch(/^\/admin\/sign-in/);
  });
});

describe('security headers', () => {
  it('forbids inline script, framing and other origins on every page', async () => {
    const answer = await new PanelClient(fixture.app).get('/admin/sign-in');
    expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
    expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('serves its stylesheet and script itself, with an ETag', async () => {
    const browser = new PanelClient(fixture.app);
    const script = await browser.get('/admin/assets/panel.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toContain('text/javascript');
    const again = await browser.get('/admin/assets/panel.js', {
      'if-none-match': String(script.headers.etag),
    });
    expect(again.status).toBe(304);
    expect((await browser.get('/admin/assets/panel.css')).body).toContain('progress');
  });

  it('names its own icon on every page, so browsers do not ask the Graph API for /favicon.ico', async () => {
    const browser = new PanelClient(fixture.app);
    const page = await browser.get('/admin/sign-in');
    expect(page.body).toContain('<link rel="icon" href="/admin/assets/favicon.svg"');
    const icon = await browser.get('/admin/assets/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.body).toMatch(/^<svg /);
  });
});
