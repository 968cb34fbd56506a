/**
 * The panel's "Integrations" section as an admin uses it: creating an integration and its
 * tokens (each secret shown once, hinted afterwards), the tokens working on the Graph API with
 * exactly their permissions, revoking after a confirmation, the appsecret_proof switch, and
 * what the panel refuses: forms without a permission, without their CSRF token, and another
 * community's objects. Real stores and the real app over inject().
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Community } from '../src/domain/index.js';
import {
  type GraphFixture,
  graph,
  seedCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';
import { createPanelAdmin, PanelClient, type PanelResponse } from './support/panel-client.js';

let fixture: GraphFixture;
let community: Community;
let browser: PanelClient;
let admins = 0;

// One server for the file (on the scale-out run, a cluster); each test gets a community of its
// own, with its own admin, so that what one test makes is not on the pages of the next.
beforeAll(async () => {
  fixture = await startGraphFixture();
});

afterAll(async () => {
  await fixture.close();
});

beforeEach(async () => {
  community = await fixture.runtime.communities.create('Acme');
  browser = await PanelClient.signedIn(
    fixture.app,
    await createPanelAdmin(fixture.runtime, community.id, `admin-${++admins}@example.test`),
  );
});

/** The text of the element with this id on a page (no nested markup expected). */
function textOf(page: PanelResponse, id: string): string {
  const text = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(page.body)?.[1];
  if (text === undefined) throw new Error(`no #${id} on the page (${page.status})`);
  return text;
}

async function createIntegration(
  name = 'Archiver',
  form: Record<string, string> = {},
): Promise<{ page: PanelResponse; appId: string; secret: string }> {
  const created = await browser.submit('/admin/integrations', { name, ...form });
  expect(created.status, created.body).toBe(303);
  expect(created.location).toMatch(/^\/admin\/integrations\/created\?reveal=[\w-]{24}\.[\w-]{43}$/);
  const page = await browser.get(created.location ?? '');
  expect(page.status, page.body).toBe(200);
  return { page, appId: textOf(page, 'new-app-id'), secret: textOf(page, 'new-app-secret') };
}

async function createToken(
  appId: string,
  permissions: readonly string[],
): Promise<{ page: PanelResponse; token: string }> {
  const created = await browser.submit(
    `/admin/integrations/${appId}/tokens`,
    { permission: permissions },
    `/admin/integrations/${appId}`,
  );
  expect(created.status, created.body).toBe(303);
  expect(created.location).toMatch(/^\/admin\/tokens\/created\?reveal=[\w-]{24}\.[\w-]{43}$/);
  const page = await browser.get(created.location ?? '');
  expect(page.status, page.body).toBe(200);
  return { page, token: textOf(page, 'new-token') };
}

function listExports(token: string, extra: Record<string, string> = {}) {
  const query = new URLSearchParams(extra).toString();
  return graph(fixture.app, 'GET', `/community/work_dyi_jobs${query && `?${query}`}`, {
    headers: { authorization: `Bearer ${token}` },
  });
}

describe('integrations', () => {
  it('lists none at first and offers the create form', async () => {
    const page = await browser.get('/admin/integrations');
    expect(page.status).toBe(200);
    expect(page.body).toContain('No integrations yet');
    expect(page.body).toContain('<h2>Create an integration</h2>');
    expect(page.body).toContain('<label for="integration-name">Name</label>');
    expect(page.body).toMatch(/name="require_appsecret_proof"[^>]*>\s*Require appsecret_proof/);
    expect(page.body).toContain('<button type="submit">Create integration</button>');
    expect(page.body).toMatch(/href="\/admin\/integrations"\s+aria-current="page"/);
  });

  it('shows the app id and secret once, on the page the form redirects to, then only a hint', async () => {
    const { page, appId, secret } = await createIntegration('Archiver');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('<h1>Integration created</h1>');
    expect(page.body).toContain('it is shown only this once');
    expect(page.body).toContain(`href="/admin/integrations/${appId}"`);
    const [stored] = await fixture.runtime.metadata.integrations.list(community.id);
    expect(stored).toMatchObject({ id: appId, name: 'Archiver', appSecret: secret });
    expect(secret).toMatch(/^[0-9a-f]{32}$/);

    const list = await browser.get('/admin/integrations');
    expect(list.body).toContain('>Archiver</a>');
    expect(list.body).toContain(`<td data-label="App ID">${appId}</td>`);
    const own = await browser.get(`/admin/integrations/${appId}`);
    expect(own.status).toBe(200);
    expect(own.body).toContain(`App ID: <span id="app-id">${appId}</span>`);
    expect(own.body).toContain(
      `App secret: <span id="app-secret-hint">••••${secret.slice(-4)}</span>`,
    );
    for (const later of [list, own]) expect(later.body).not.toContain(secret);
  });

  it('lists each integration with its appsecret_proof setting and active tokens', async () => {
    const plain = await createIntegration('Plain');
    const strict = await createIntegration('Strict', { require_appsecret_proof: 'on' });
    await createToken(plain.appId, ['read_company_data_exports']);
    await createToken(plain.appId, ['manage_company_data_exports']);
    const list = await browser.get('/admin/integrations');
    const rows = list.body.split('<tr>').slice(1);
    const rowOf = (appId: string): string =>
      rows.find((row) => row.includes(`<td data-label="App ID">${appId}</td>`)) ?? '';
    expect(rowOf(plain.appId)).toMatch(/appsecret_proof required">\s*No\s*</);
    expect(rowOf(plain.appId)).toMatch(/Active tokens" class="number">2</);
    expect(rowOf(strict.appId)).toMatch(/appsecret_proof required">\s*Yes\s*</);
    expect(rowOf(strict.appId)).toMatch(/Active tokens" class="number">0</);
  });

  it('refuses an empty name with the form again', async () => {
    const page = await browser.submit('/admin/integrations', { name: '   ' });
    expect(page.status).toBe(400);
    expect(page.body).toContain('An integration name must have 1 to 200 characters.');
    expect(page.body).toContain('Create integration</button>');
    expectErrorSummary(page.body, 'The integration was not created', 'integration-name');
    expect(await fixture.runtime.metadata.integrations.list(community.id)).toEqual([]);
  });

  it('shows names as text, never as markup', async () => {
    const { appId } = await createIntegration('<script>alert(1)</script>');
    for (const url of ['/admin/integrations', `/admin/integrations/${appId}`]) {
      const page = await browser.get(url);
      expect(page.body).not.toContain('<script>alert');
      expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
  });
});

describe('access tokens', () => {
  it('shows a new token once, and the token works with exactly its permissions', async () => {
    const { appId } = await createIntegration();
    const { page, token } = await createToken(appId, ['read_company_data_exports']);
    expect(page.body).toContain('<h1>Access token created</h1>');
    expect(page.body).toContain('it will not be shown again');
    expect(token).toMatch(/^DYI1[\w-]{43}$/);

    expect((await listExports(token)).status).toBe(200);
    const byParam = await graph(fixture.app, 'GET', '/community/work_dyi_jobs', { token });
    expect(byParam.status).toBe(200);
    const start = await graph(fixture.app, 'POST', '/community/work_dyi_jobs', {
      token,
      form: { data_types: '["POSTS_YOUR_ACTIVITY"]' },
    });
    expect(start.status).toBe(403);
    expect(start.body.error.code).toBe(200);

    const own = await browser.get(`/admin/integrations/${appId}`);
    expect(own.body).not.toContain(token);
    expect(own.body).toContain(`<code>…${token.slice(-4)}</code>`);
    expect(own.body).toContain('<td data-label="Permissions">read_company_data_exports</td>');
    expect(own.body).toMatch(/data-label="Revoked">\s*Active\s*</);
  });

  it('offers a checkbox per permission, with what it allows', async () => {
    const { appId } = await createIntegration();
    const page = await browser.get(`/admin/integrations/${appId}`);
    expect(page.body).toContain('<h2>Create an access token</h2>');
    expect(page.body).toMatch(
      /value="read_company_data_exports"\s*\/>\s*read_company_data_exports — Read exports and download files/,
    );
    expect(page.body).toMatch(
      /value="manage_company_data_exports"\s*\/>\s*manage_company_data_exports — Start, cancel and delete exports/,
    );
    expect(page.body).toContain('<button type="submit">Create token</button>');
  });

  it('refuses a token without a permission, listing the allowed ones', async () => {
    const { appId } = await createIntegration();
    const none = await browser.submit(
      `/admin/integrations/${appId}/tokens`,
      {},
      `/admin/integrations/${appId}`,
    );
    expect(none.status).toBe(400);
    expect(none.body).toContain(
      'Choose at least one permission. Allowed: read_company_data_exports, manage_company_data_exports.',
    );
    expect(none.body).toContain('Create token</button>');
    expectErrorSummary(none.body, 'The access token was not created', 'token-permissions');
    const unknown = await browser.submit(
      `/admin/integrations/${appId}/tokens`,
      { permission: ['read_company_data_exports', 'delete_everything'] },
      `/admin/integrations/${appId}`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('&quot;delete_everything&quot;');
    expect(unknown.body).toContain(
      'allowed: read_company_data_exports, manage_company_data_exports',
    );
    expect(await fixture.runtime.metadata.tokens.list(appId)).toEqual([]);
  });

  it('revokes a token after asking, and the Graph API refuses it at once', async () => {
    const { appId } = await createIntegration();
    const { token } = await createToken(appId, [
      'read_company_data_exports',
      'manage_company_data_exports',
    ]);
    const [record] = await fixture.runtime.metadata.tokens.list(appId);
    const tokenId = record?.id ?? '';
    const hint = `…${token.slice(-4)}`;
    expect((await listExports(token)).status).toBe(200);

    const own = await browser.get(`/admin/integrations/${appId}`);
    expect(own.body).toContain(
      `<a class="button danger-outline small" href="/admin/tokens/${tokenId}/revoke"`,
    );
    const ask = await browser.get(`/admin/tokens/${tokenId}/revoke`);
    expect(ask.status).toBe(200);
    expect(ask.body).toContain(`<h1>Revoke token ${hint}?</h1>`);
    expect(ask.body).toContain('Programs using it will be refused at once.');
    expect(ask.body).toContain('Yes, revoke the token</button>');
    expect(ask.body).toContain(`<a href="/admin/integrations/${appId}">No, go back</a>`);
    // Asking changes nothing.
    expect((await listExports(token)).status).toBe(200);

    const revoked = await browser.submit(
      `/admin/tokens/${tokenId}/revoke`,
      {},
      `/admin/tokens/${tokenId}/revoke`,
    );
    expect(revoked.status).toBe(303);
    expect(revoked.location).toBe(`/admin/integrations/${appId}`);
    const back = await browser.get(revoked.location ?? '');
    expect(back.body).toContain(
      'The access token was revoked: programs using it are refused from now on.',
    );
    expect(back.body).not.toContain(`href="/admin/tokens/${tokenId}/revoke"`);
    expect(back.body).toMatch(/data-label="Revoked">\s*<time datetime=/);

    const refused = await listExports(token);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 190, error_subcode: 452 });

    const again = await browser.get(`/admin/tokens/${tokenId}/revoke`);
    expect(again.status).toBe(200);
    expect(again.body).toContain(`Token ${hint} is already revoked`);
    expect(again.body).not.toContain('Yes, revoke the token');
    const twice = await browser.submit(
      `/admin/tokens/${tokenId}/revoke`,
      {},
      `/admin/integrations/${appId}`,
    );
    expect(twice.status).toBe(409);
    expect(twice.body).toContain('is already revoked');
  });

  it('shows a notice once, after the form only: a reload shows none', async () => {
    const { appId } = await createIntegration();
    const on = await browser.submit(
      `/admin/integrations/${appId}/appsecret-proof`,
      { require_appsecret_proof: 'on' },
      `/admin/integrations/${appId}`,
    );
    expect(on.location).toBe(`/admin/integrations/${appId}`);
    expect((await browser.get(on.location ?? '')).body).toContain('class="notice"');
    const reload = await browser.get(on.location ?? '');
    expect(reload.status).toBe(200);
    expect(reload.body).not.toContain('class="notice"');
  });

  it('shows only notices of its own, never text from the URL', async () => {
    const { appId } = await createIntegration();
    const page = await browser.get(
      `/admin/integrations/${appId}?notice=${encodeURIComponent('<b>Pay here</b>')}`,
    );
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('Pay here');
    expect(page.body).not.toContain('class="notice"');
  });
});

/**
 * A refused form's page: the summary first in the main content, focusable, its error a link to
 * the field, which is marked invalid and described by its message.
 */
function expectErrorSummary(body: string, title: string, fieldId: string): void {
  const main = body.slice(body.indexOf('>', body.search(/<main id="main"[^>]*>/)) + 1).trimStart();
  expect(main).toMatch(
    /^<div\s+class="error error-summary"\s+id="error-summary"\s+tabindex="-1"\s+autofocus/,
  );
  expect(main).toContain(`<h2 id="error-summary-title">${title}</h2>`);
  expect(main).toContain(`<li><a href="#${fieldId}">`);
  const field = new RegExp(`<input[^>]*\\sid="${fieldId}"[^>]*>`).exec(body)?.[0] ?? '';
  expect(field).toContain('aria-invalid="true"');
  expect(field).toContain(`aria-describedby="${fieldId}-error"`);
  expect(body).toContain(`<p class="field-error" id="${fieldId}-error">`);
}

describe('the appsecret_proof switch', () => {
  it('makes calls without appsecret_proof refused, and allowed again when switched off', async () => {
    const { appId, secret } = await createIntegration();
    const { token } = await createToken(appId, ['read_company_data_exports']);
    const proof = createHmac('sha256', secret).update(token).digest('hex');
    expect((await listExports(token)).status).toBe(200);

    const on = await browser.submit(
      `/admin/integrations/${appId}/appsecret-proof`,
      { require_appsecret_proof: 'on' },
      `/admin/integrations/${appId}`,
    );
    expect(on.status).toBe(303);
    const page = await browser.get(on.location ?? '');
    expect(page.body).toContain('appsecret_proof is now required');
    expect(page.body).toMatch(/name="require_appsecret_proof"[^>]*checked/);

    const without = await listExports(token);
    expect(without.status).toBe(400);
    expect(without.body.error.code).toBe(100);
    expect(without.body.error.message).toContain('appsecret_proof is required');
    expect((await listExports(token, { appsecret_proof: proof })).status).toBe(200);

    const off = await browser.submit(
      `/admin/integrations/${appId}/appsecret-proof`,
      {},
      `/admin/integrations/${appId}`,
    );
    expect((await browser.get(off.location ?? '')).body).toContain(
      'appsecret_proof is no longer required.',
    );
    expect((await listExports(token)).status).toBe(200);
  });
});

describe('reloading a page that showed a secret', () => {
  it('shows "already shown" and creates no second integration or token', async () => {
    const created = await browser.submit('/admin/integrations', { name: 'Archiver' });
    const first = await browser.get(created.location ?? '');
    const secret = textOf(first, 'new-app-secret');
    const reload = await browser.get(created.location ?? '');
    expect(reload.status).toBe(410);
    expect(reload.body).toContain('<h1>Already shown</h1>');
    expect(reload.body).not.toContain(secret);
    expect(await fixture.runtime.metadata.integrations.list(community.id)).toHaveLength(1);

    const appId = textOf(first, 'new-app-id');
    const tokenForm = `/admin/integrations/${appId}`;
    const made = await browser.submit(
      `${tokenForm}/tokens`,
      { permission: 'read_company_data_exports' },
      tokenForm,
    );
    const shown = await browser.get(made.location ?? '');
    const token = textOf(shown, 'new-token');
    const again = await browser.get(made.location ?? '');
    expect(again.status).toBe(410);
    expect(again.body).not.toContain(token);
    expect(await fixture.runtime.metadata.tokens.list(appId)).toHaveLength(1);
  });

  it("never shows another session's secret", async () => {
    const created = await browser.submit('/admin/integrations', { name: 'Archiver' });
    const other = await PanelClient.signedIn(
      fixture.app,
      await createPanelAdmin(fixture.runtime, community.id, 'other@example.test'),
    );
    const stolen = await other.get(created.location ?? '');
    expect(stolen.status).toBe(410);
    expect(stolen.body).not.toContain('new-app-secret');
    // The rightful session still gets it once.
    expect((await browser.get(created.location ?? '')).status).toBe(200);
  });
});

describe('renaming and deleting an integration', () => {
  it('renames it, and refuses an empty name with the form again', async () => {
    const { appId } = await createIntegration('Archiver');
    const page = `/admin/integrations/${appId}`;
    const renamed = await browser.submit(`${page}/rename`, { name: ' Legal hold ' }, page);
    expect(renamed.location).toBe(page);
    expect((await browser.get(renamed.location ?? '')).body).toContain('<h1>Legal hold</h1>');
    const refused = await browser.submit(`${page}/rename`, { name: '' }, page);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('An integration name must have 1 to 200 characters.');
    expectErrorSummary(refused.body, 'The integration was not renamed', 'integration-rename');
    expect((await fixture.runtime.metadata.integrations.get(appId))?.name).toBe('Legal hold');
  });

  it('deletes it after asking, and the Graph API refuses its tokens at once', async () => {
    const { appId } = await createIntegration('Archiver');
    const { token } = await createToken(appId, ['read_company_data_exports']);
    const kept = await createIntegration('Kept');
    const { token: keptToken } = await createToken(kept.appId, ['read_company_data_exports']);
    expect((await listExports(token)).status).toBe(200);
    const page = `/admin/integrations/${appId}`;
    expect((await browser.get(page)).body).toContain(`href="${page}/delete"`);
    const ask = await browser.get(`${page}/delete`);
    expect(ask.body).toContain('Its 1 active access token will be revoked');
    expect(await fixture.runtime.metadata.integrations.get(appId)).toBeDefined();

    const deleted = await browser.submit(`${page}/delete`, {}, `${page}/delete`);
    expect(deleted.location).toBe('/admin/integrations');
    expect((await browser.get(deleted.location ?? '')).body).toContain(
      'The integration was deleted',
    );
    const refused = await listExports(token);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe(190);
    expect((await listExports(keptToken)).status).toBe(200);
    expect((await browser.get(page)).status).toBe(404);
    expect((await browser.submit(`${page}/delete`, {}, `/admin/integrations`)).status).toBe(404);
  });
});

describe('what the panel refuses', () => {
  it("answers 404 for another community's integration and tokens, and changes nothing", async () => {
    const other = await seedCommunity(fixture.runtime, 'Other', 1);
    const [otherToken] = await fixture.runtime.metadata.tokens.list(other.integrationId);
    const tokenId = otherToken?.id ?? '';
    const { appId } = await createIntegration();
    const ownPage = `/admin/integrations/${appId}`;

    for (const url of [
      `/admin/integrations/${other.integrationId}`,
      `/admin/tokens/${tokenId}/revoke`,
      '/admin/integrations/abc',
      '/admin/tokens/999999999999999/revoke',
    ]) {
      const page = await browser.get(url);
      expect(page.status, url).toBe(404);
      expect(page.body).not.toContain('Exporter');
    }
    for (const [action, form] of [
      [
        `/admin/integrations/${other.integrationId}/appsecret-proof`,
        { require_appsecret_proof: 'on' },
      ],
      [
        `/admin/integrations/${other.integrationId}/tokens`,
        { permission: 'read_company_data_exports' },
      ],
      [`/admin/tokens/${tokenId}/revoke`, {}],
      [`/admin/integrations/${other.integrationId}/rename`, { name: 'Mine now' }],
      [`/admin/integrations/${other.integrationId}/delete`, {}],
    ] as const) {
      expect((await browser.submit(action, form, ownPage)).status, action).toBe(404);
    }
    expect(await fixture.runtime.metadata.integrations.get(other.integrationId)).toMatchObject({
      requireAppsecretProof: false,
    });
    expect(await fixture.runtime.metadata.tokens.list(other.integrationId)).toHaveLength(2);
    expect((await listExports(other.readToken)).status).toBe(200);
  });

  it('refuses forms without their CSRF token and creates or revokes nothing', async () => {
    const { appId } = await createIntegration();
    await createToken(appId, ['read_company_data_exports']);
    const [token] = await fixture.runtime.metadata.tokens.list(appId);
    const attempts = [
      ['/admin/integrations', { name: 'Sneaky' }],
      [`/admin/integrations/${appId}/tokens`, { permission: 'manage_company_data_exports' }],
      [`/admin/integrations/${appId}/appsecret-proof`, { require_appsecret_proof: 'on' }],
      [`/admin/tokens/${token?.id ?? ''}/revoke`, {}],
      [`/admin/integrations/${appId}/rename`, { name: 'Sneaky' }],
      [`/admin/integrations/${appId}/delete`, {}],
    ] as const;
    for (const [action, form] of attempts) {
      const answer = await browser.post(action, form);
      expect(answer.status, action).toBe(403);
      expect(answer.body).toContain('Nothing was changed.');
    }
    expect(await fixture.runtime.metadata.integrations.list(community.id)).toHaveLength(1);
    expect(await fixture.runtime.metadata.integrations.get(appId)).toMatchObject({
      name: 'Archiver',
      requireAppsecretProof: false,
    });
    const tokens = await fixture.runtime.metadata.tokens.list(appId);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]?.revokeTime).toBeNull();
  });

  it('sends the signed-out to sign in before any integration page', async () => {
    const { appId } = await createIntegration();
    const stranger = new PanelClient(fixture.app);
    for (const url of ['/admin/integrations', `/admin/integrations/${appId}`]) {
      expect((await stranger.get(url)).location).toMatch(/^\/admin\/sign-in\?next=/);
    }
  });
});
