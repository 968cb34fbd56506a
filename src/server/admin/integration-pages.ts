/**
 * @module
 * The "Integrations" section: the community's integrations (the programs that call the API),
 * creating one, and an integration's own page with its appsecret_proof switch and its access
 * tokens (`token-pages.ts`). An app secret is shown in full once, on the page the create form
 * redirects to (`secret-reveal-pages.ts`: a reload shows "already shown" and creates nothing);
 * every later page shows only its last four characters.
 */
import type { FastifyInstance } from 'fastify';
import { type Integration, ValidationError } from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { csrfField, type PageOptions, type PanelSession, sendPage } from './admin-layout.js';
import { formField, sessionOf } from './admin-session.js';
import { timeElement } from './export-labels.js';
import { cardTable } from './card-table.js';
import { errorSummary, fieldError, type FormError, invalidAttributes } from './form-errors.js';
import { type Html, html } from './html.js';
import { ownIntegration } from './own-integrations.js';
import {
  dangerZone,
  registerIntegrationSettingsPages,
  renameForm,
} from './integration-settings-pages.js';
import { redirectWithNotice, takeNotice } from './one-time-notices.js';
import { OneTimeReveals } from './one-time-reveals.js';
import {
  keepForReveal,
  registerSecretRevealPages,
  type SecretReveal,
} from './secret-reveal-pages.js';
import { registerTokenPages, tokenForm, tokenTable } from './token-pages.js';
import { registerWebhookPages, WEBHOOK_NOTICES, webhookSection } from './webhook-pages.js';
import { adminAuditContext } from '../audit-context.js';

/** Notices the integration pages show once after a form (see `one-time-notices.ts`). */
export const INTEGRATION_NOTICES = {
  'appsecret-proof-required':
    'appsecret_proof is now required: calls with this integration’s tokens that lack it are refused.',
  'appsecret-proof-optional': 'appsecret_proof is no longer required.',
  'token-revoked': 'The access token was revoked: programs using it are refused from now on.',
  renamed: 'The integration was renamed.',
  'integration-deleted':
    'The integration was deleted, and its access tokens with it: programs using them are refused.',
  ...WEBHOOK_NOTICES,
} as const satisfies Record<string, string>;

const CHECKBOX = 'require_appsecret_proof';

/** "••••abcd": how an app secret is shown after its integration's creation. */
function secretHint(integration: Integration): string {
  return `••••${integration.appSecret.slice(-4)}`;
}

export function registerIntegrationPages(panel: FastifyInstance, runtime: Runtime): void {
  const reveals = new OneTimeReveals<SecretReveal>(runtime.metadata.pendingReveals, runtime.clock);
  registerSecretRevealPages(panel, runtime, reveals);
  panel.get('/integrations', async (request, reply) => {
    const session = sessionOf(request);
    const page = await listPage(runtime, session);
    const notice = takeNotice(request, reply, runtime, INTEGRATION_NOTICES);
    return sendPage(reply, { ...page, notice }, 200);
  });

  panel.post('/integrations', async (request, reply) => {
    const session = sessionOf(request);
    const name = formField(request, 'name') ?? '';
    const requireAppsecretProof = formField(request, CHECKBOX) !== undefined;
    let integration: Integration;
    try {
      integration = await runtime.access.createIntegration(
        session.community.id,
        { name, requireAppsecretProof },
        adminAuditContext(request, session.admin),
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const form = { name, requireAppsecretProof, error: error.message };
      return sendPage(reply, await listPage(runtime, session, form), 400);
    }
    const revealAt = await keepForReveal(reveals, session, {
      kind: 'app-secret',
      integrationId: integration.id,
    });
    return reply.redirect(revealAt, 303);
  });

  panel.get<{ Params: { id: string } }>('/integrations/:id', async (request, reply) => {
    const session = sessionOf(request);
    const integration = await ownIntegration(runtime, session, request.params.id);
    const tokens = await runtime.metadata.tokens.list(integration.id);
    return sendPage(
      reply,
      {
        title: integration.name,
        session,
        section: 'integrations',
        notice: takeNotice(request, reply, runtime, INTEGRATION_NOTICES),
        body: html`<p class="breadcrumb"><a href="/admin/integrations">All integrations</a></p>
        <h1>${integration.name}</h1>
        <ul>
          <li>App ID: <span id="app-id">${integration.id}</span></li>
          <li>
            App secret: <span id="app-secret-hint">${secretHint(integration)}</span>
            <span class="muted">(shown in full only when the integration was created)</span>
          </li>
          <li>Created: ${timeElement(integration.createTime)}</li>
        </ul>
        <h2>appsecret_proof</h2>
        <form
          method="post"
          action="/admin/integrations/${integration.id}/appsecret-proof"
          class="stack"
        >
          ${csrfField(session)}
          <label class="choice">
            <input
              type="checkbox"
              name="${CHECKBOX}"
              value="on"
              aria-describedby="appsecret-proof-help"
              ${integration.requireAppsecretProof ? html`checked` : ''}
            />
            Require appsecret_proof
          </label>
          <p class="muted" id="appsecret-proof-help">
            When required, every call with this integration’s tokens must also send
            <code>appsecret_proof</code> (hex HMAC-SHA256 of the access token, keyed with the app
            secret); calls without it are refused.
          </p>
          <button type="submit" class="secondary">Save</button>
        </form>
        <h2>Access tokens</h2>
        ${tokenTable(tokens)}
        <h2>Create an access token</h2>
        ${tokenForm(session, integration)}
        ${await webhookSection(runtime, session, integration)}
        <h2>Rename</h2>
        ${renameForm(session, integration)} ${dangerZone(integration)}`,
      },
      200,
    );
  });

  panel.post<{ Params: { id: string } }>(
    '/integrations/:id/appsecret-proof',
    async (request, reply) => {
      const session = sessionOf(request);
      const integration = await ownIntegration(runtime, session, request.params.id);
      const required = formField(request, CHECKBOX) !== undefined;
      await runtime.access.setRequireAppsecretProof(
        integration.id,
        required,
        adminAuditContext(request, session.admin),
      );
      const notice = required ? 'appsecret-proof-required' : 'appsecret-proof-optional';
      return redirectWithNotice(reply, runtime, `/admin/integrations/${integration.id}`, notice);
    },
  );

  registerTokenPages(panel, runtime, reveals);
  registerIntegrationSettingsPages(panel, runtime);
  registerWebhookPages(panel, runtime);
}

interface CreateForm {
  readonly name: string;
  readonly requireAppsecretProof: boolean;
  readonly error: string;
}

async function listPage(
  runtime: Runtime,
  session: PanelSession,
  form?: CreateForm,
): Promise<PageOptions> {
  const integrations = await runtime.metadata.integrations.list(session.community.id);
  const activeTokens = await Promise.all(
    integrations.map(async (integration) => {
      const tokens = await runtime.metadata.tokens.list(integration.id);
      return tokens.filter((token) => token.revokeTime === null).length;
    }),
  );
  return {
    title: 'Integrations',
    session,
    section: 'integrations',
    body: html`${errorSummary('The integration was not created', createErrors(form))}
      <h1>Integrations</h1>
      <p class="muted">
        An integration is a program that calls the DYI Export API for this community. It has an app
        id and secret, and access tokens that say what it may do.
      </p>
      ${integrationTable(integrations, activeTokens)}
      <h2>Create an integration</h2>
      ${createForm(session, form)}`,
  };
}

function integrationTable(
  integrations: readonly Integration[],
  activeTokens: readonly number[],
): Html {
  if (integrations.length === 0) {
    return html`<p class="muted">No integrations yet: create one below.</p>`;
  }
  const rows = integrations.map(
    (integration, index) =>
      html`<tr>
        <td data-label="Name">
          <a href="/admin/integrations/${integration.id}">${integration.name}</a>
        </td>
        <td data-label="App ID">${integration.id}</td>
        <td data-label="appsecret_proof required">
          ${integration.requireAppsecretProof ? 'Yes' : 'No'}
        </td>
        <td data-label="Active tokens" class="number">${activeTokens[index] ?? 0}</td>
        <td data-label="Created">${timeElement(integration.createTime)}</td>
      </tr>`,
  );
  return cardTable({
    columns: [
      'Name',
      'App ID',
      'appsecret_proof required',
      { label: 'Active tokens', numeric: true },
      'Created',
    ],
    rows: rows,
  });
}

function createErrors(form: CreateForm | undefined): FormError[] {
  return form ? [{ fieldId: 'integration-name', message: form.error }] : [];
}

function createForm(session: PanelSession, form: CreateForm | undefined): Html {
  const errors = createErrors(form);
  return html`<form method="post" action="/admin/integrations" class="stack narrow">
    ${csrfField(session)}
    <label for="integration-name">Name</label>
    ${fieldError(errors, 'integration-name')}
    <input
      id="integration-name"
      name="name"
      required
      maxlength="200"
      value="${form?.name ?? ''}"
      ${invalidAttributes(errors, 'integration-name')}
    />
    <label class="choice">
      <input
        type="checkbox"
        name="${CHECKBOX}"
        value="on"
        ${form?.requireAppsecretProof ? html`checked` : ''}
      />
      Require appsecret_proof
    </label>
    <button type="submit">Create integration</button>
  </form>`;
}
