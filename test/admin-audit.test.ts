/**
 * The panel's "Audit" section over `inject()` on real stores: the community's records newest
 * first with who, from where and on what; the act and actor filters; paging by 50 with links
 * that keep the filter; another community's records never shown; text escaped; a bad filter
 * refused with what is allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GraphFixture,
  seedCommunity,
  type SeededCommunity,
  startInProcessFixture,
} from './support/graph-fixture.js';
import { createPanelAdmin, PanelClient } from './support/panel-client.js';

let fixture: GraphFixture;
let acme: SeededCommunity;
let panel: PanelClient;

beforeAll(async () => {
  fixture = await startInProcessFixture({ signInFailureDelayMs: 0 });
  const { runtime, app } = fixture;
  acme = await seedCommunity(runtime, 'Acme', 1);
  const globex = await seedCommunity(runtime, 'Globex', 1);
  await runtime.access.renameIntegration(globex.integrationId, 'Globex secret name');
  const email = await createPanelAdmin(runtime, acme.community.id, 'ops@acme.example');
  panel = await PanelClient.signedIn(app, email);
  for (let i = 0; i < 60; i++) {
    await panel.submit(
      `/admin/integrations/${acme.integrationId}/rename`,
      { name: `<b>Exporter</b> ${i}` },
      `/admin/integrations/${acme.integrationId}`,
    );
  }
}, 60_000);

afterAll(async () => {
  await fixture?.close();
});

describe('GET /admin/audit', () => {
  it('lists the community’s records newest first, 50 a page, escaped', async () => {
    const page = await panel.get('/admin/audit');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Audit</h1>');
    expect(page.body).toContain('aria-current="page"');
    const rows = page.body.match(/<td data-label="#">/g) ?? [];
    expect(rows).toHaveLength(50);
    expect(page.body).toContain('Integration renamed');
    expect(page.body).toContain('ops@acme.example');
    expect(page.body).toContain('&lt;b&gt;Exporter&lt;/b&gt; 59');
    expect(page.body).not.toContain('<b>Exporter</b>');
    expect(page.body).not.toContain('Globex secret name');
    const older = /href="([^"]+)" rel="next"/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
    expect(older).toBeDefined();
    const second = await panel.get(older ?? '');
    expect(second.body).toContain('Admin signed in');
    expect(second.body).toContain('Access token created');
  });

  it('filters by act and by actor, and the pager keeps the filter', async () => {
    const renames = await panel.get('/admin/audit?act=integration.rename');
    expect(renames.body).toContain('60 records');
    const next = /href="([^"]+)" rel="next"/.exec(renames.body)?.[1] ?? '';
    expect(next).toContain('act=integration.rename');
    const byAdmin = await panel.get('/admin/audit?actor=ops%40acme.example');
    // Its sign-in and 60 renames; its creation was the command line's act.
    expect(byAdmin.body).toContain('61 records');
    const nobody = await panel.get('/admin/audit?actor=nobody%40acme.example');
    expect(nobody.body).toContain('No record matches.');
  });

  it('refuses an unknown act, naming the acts allowed', async () => {
    const refused = await panel.get('/admin/audit?act=export.steal');
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('The act filter must be one of export.create');
  });
});
