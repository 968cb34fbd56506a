/**
 * Every route of the admin panel, found by listening to the routes the panel registers (so a
 * new page is covered without touching this test), refuses a signed-out request: pages send
 * it to the sign-in page, actions answer 401, and nothing changes. Only the sign-in page and
 * the panel's stylesheet and script are open.
 */
import Fastify, { type RouteOptions } from 'fastify';
import formbody from '@fastify/formbody';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAdminPanel } from '../src/server/admin/admin-panel.js';
import { PANEL_PAGES } from '../src/server/admin/panel-pages.js';
import { type GraphFixture, seedCommunity, startGraphFixture } from './support/graph-fixture.js';

const OPEN_ROUTES = new Set([
  '/admin/sign-in',
  '/admin/assets/panel.css',
  '/admin/assets/panel.js',
  '/admin/assets/favicon.svg',
]);

let fixture: GraphFixture;
const routes: { method: string; url: string }[] = [];
let panel: ReturnType<typeof Fastify>;
let exportId: string;
let integrationId: string;

beforeAll(async () => {
  fixture = await startGraphFixture();
  const seeded = await seedCommunity(fixture.runtime, 'Acme', 2);
  integrationId = seeded.integrationId;
  exportId = (
    await fixture.runtime.exports.create(seeded.community.id, {
      data_types: 'POSTS_YOUR_ACTIVITY',
      dyi_format: 'JSON',
      media_quality: 'LOW',
      start_time: '0',
    })
  ).id;
  panel = Fastify();
  await panel.register(formbody);
  panel.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url });
    }
  });
  await registerAdminPanel(panel, fixture.runtime, PANEL_PAGES);
  await panel.ready();
});

afterAll(async () => {
  await panel.close();
  await fixture.close();
});

/** A route's URL with its parameters filled in with objects that exist. */
function concrete(url: string): string {
  return url
    .replace(/\/integrations\/:\w+/, `/integrations/${integrationId}`)
    .replace(/:\w+/g, (name) => (name === ':part' ? 'summary' : exportId))
    .replace('*', 'anything');
}

describe('a signed-out request to the admin panel', () => {
  it('finds the panel pages and actions to check', () => {
    const guarded = routes.filter((route) => !OPEN_ROUTES.has(route.url));
    expect(guarded.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(10);
    expect(guarded.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(6);
  });

  it('is sent to the sign-in page for every page, and refused for every action', async () => {
    const before = await state();
    for (const route of routes.filter((r) => !OPEN_ROUTES.has(r.url) && r.url !== '/admin')) {
      const url = concrete(route.url);
      const answer = await panel.inject({
        method: route.method as 'GET' | 'POST' | 'DELETE',
        url,
        ...(route.method !== 'GET' && {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'name=x&permission=read_company_data_exports&_csrf=guess',
        }),
      });
      if (route.method === 'GET') {
        expect(answer.statusCode, `${route.method} ${url}`).toBe(303);
        expect(answer.headers.location, url).toMatch(/^\/admin\/sign-in\?next=/);
      } else {
        expect(answer.statusCode, `${route.method} ${url}`).toBe(401);
        expect(answer.body).toContain('You are signed out');
      }
    }
    expect(await state()).toEqual(before);
  });

  it('with a forged session cookie is refused the same way', async () => {
    const answer = await panel.inject({
      url: `/admin/exports/${exportId}`,
      headers: { cookie: 'dyi_admin_session=forged-value' },
    });
    expect(answer.statusCode).toBe(303);
    expect(answer.headers.location).toMatch(/^\/admin\/sign-in/);
  });
});

describe('a signed-out event stream', () => {
  it('gets 401, not the sign-in page, so that the script can tell the session ended', async () => {
    const answer = await panel.inject({
      url: '/admin/live',
      headers: { accept: 'text/event-stream', cookie: 'dyi_admin_session=ended-session' },
    });
    expect(answer.statusCode).toBe(401);
    expect(answer.headers.location).toBeUndefined();
  });
});

/** What an action could change: exports and their state, integrations, tokens. */
async function state(): Promise<unknown> {
  const { runtime } = fixture;
  const exported = await runtime.metadata.exports.get(exportId);
  const integrations = await runtime.metadata.integrations.list(exported?.communityId ?? '');
  return {
    exported,
    counts: await runtime.metadata.exports.countJobs(exportId),
    integrations,
    tokens: await Promise.all(integrations.map((i) => runtime.metadata.tokens.list(i.id))),
  };
}
