/**
 * @module
 * An integration's access tokens in the panel: the table and the "Create an access token" form
 * that its page shows, and the routes behind them. A new token is shown once, on the page the
 * form redirects to (`secret-reveal-pages.ts`: kept encrypted until then, never in plain in a
 * URL or the database; a reload shows "already shown"); the store keeps only its hash and its
 * last four characters, which is all any later page can show.
 * Revoking asks first, on a page of its own, and says so when the token is revoked already.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  type AccessTokenRecord,
  type Integration,
  PERMISSIONS,
  type Permission,
  ValidationError,
} from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { csrfField, type PanelSession, sendPage } from './admin-layout.js';
import { formValues, sessionOf } from './admin-session.js';
import { timeElement } from './export-labels.js';
import { cardTable } from './card-table.js';
import { errorSummary, fieldError, type FormError, invalidAttributes } from './form-errors.js';
import { type Html, html } from './html.js';
import { redirectWithNotice } from './one-time-notices.js';
import type { OneTimeReveals } from './one-time-reveals.js';
import { ownIntegration, ownToken } from './own-integrations.js';
import { keepForReveal, type SecretReveal } from './secret-reveal-pages.js';
import { adminAuditContext } from '../audit-context.js';

/** What each permission lets a program do, in the words of the form. */
export const PERMISSION_WORDS: Readonly<Record<Permission, string>> = {
  read_company_data_exports: 'Read exports and download files',
  manage_company_data_exports: 'Start, cancel and delete exports',
};

const NO_PERMISSION = `Choose at least one permission. Allowed: ${PERMISSIONS.join(', ')}.`;

/** "…wxyz": how a token is named once it has been shown. */
export function tokenHint(token: AccessTokenRecord): string {
  return `…${token.hint}`;
}

function integrationPath(integration: Integration): string {
  return `/admin/integrations/${integration.id}`;
}

/** The integration's tokens, oldest first, with a way to revoke the active ones. */
export function tokenTable(tokens: readonly AccessTokenRecord[]): Html {
  if (tokens.length === 0) {
    return html`<p class="muted">No access tokens yet: create one below.</p>`;
  }
  const rows = tokens.map(
    (token) =>
      html`<tr>
        <td data-label="Token id">${token.id}</td>
        <td data-label="Token"><code>${tokenHint(token)}</code></td>
        <td data-label="Permissions">${token.permissions.join(', ')}</td>
        <td data-label="Created">${timeElement(token.createTime)}</td>
        <td data-label="Revoked">
          ${token.revokeTime === null ? 'Active' : timeElement(token.revokeTime)}
        </td>
        <td data-label="Actions">
          ${
            token.revokeTime === null &&
            html`<a class="button danger-outline small" href="/admin/tokens/${token.id}/revoke"
              >Revoke</a
            >`
          }
        </td>
      </tr>`,
  );
  return cardTable({
    columns: ['Token id', 'Token', 'Permissions', 'Created', 'Revoked', 'Actions'],
    rows: rows,
  });
}

export interface TokenFormState {
  readonly chosen?: readonly string[];
  readonly error?: string | undefined;
}

/** The first permission's checkbox: where a refused token form's error links to. */
const PERMISSIONS_FIELD = 'token-permissions';

function tokenErrors(state: TokenFormState): FormError[] {
  return state.error === undefined ? [] : [{ fieldId: PERMISSIONS_FIELD, message: state.error }];
}

/** The "Create an access token" form of an integration's page. */
export function tokenForm(
  session: PanelSession,
  integration: Integration,
  state: TokenFormState = {},
): Html {
  const errors = tokenErrors(state);
  const choices = PERMISSIONS.map(
    (permission, index) =>
      html`<label class="choice">
        <input
          type="checkbox"
          ${index === 0 ? html`id="${PERMISSIONS_FIELD}"` : ''}
          name="permission"
          value="${permission}"
          ${invalidAttributes(errors, PERMISSIONS_FIELD)}
          ${state.chosen?.includes(permission) ? html`checked` : ''}
        />
        ${permission} — ${PERMISSION_WORDS[permission]}
      </label>`,
  );
  return html`<form
    method="post"
    action="${integrationPath(integration)}/tokens"
    class="stack"
    id="create-token"
  >
    ${csrfField(session)}
    <fieldset>
      <legend>Permissions</legend>
      ${fieldError(errors, PERMISSIONS_FIELD)} ${choices}
    </fieldset>
    <button type="submit">Create token</button>
  </form>`;
}

export function registerTokenPages(
  panel: FastifyInstance,
  runtime: Runtime,
  reveals: OneTimeReveals<SecretReveal>,
): void {
  panel.post<{ Params: { id: string } }>('/integrations/:id/tokens', async (request, reply) => {
    const session = sessionOf(request);
    const integration = await ownIntegration(runtime, session, request.params.id);
    const chosen = formValues(request, 'permission');
    let created: Awaited<ReturnType<typeof runtime.access.createToken>>;
    try {
      if (chosen.length === 0) throw new ValidationError('permission', NO_PERMISSION);
      created = await runtime.access.createToken(
        integration.id,
        chosen,
        adminAuditContext(request, session.admin),
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return sendPage(
        reply,
        {
          title: 'Create an access token',
          session,
          section: 'integrations',
          body: html`${errorSummary('The access token was not created', tokenErrors({ error: error.message }))}
            <p><a href="${integrationPath(integration)}">Back to ${integration.name}</a></p>
          <h1>Create an access token for ${integration.name}</h1>
          ${tokenForm(session, integration, { chosen, error: error.message })}`,
        },
        400,
      );
    }
    const revealAt = await keepForReveal(reveals, session, {
      kind: 'token',
      tokenId: created.record.id,
      token: created.token,
    });
    return reply.redirect(revealAt, 303);
  });

  panel.get<{ Params: { id: string } }>('/tokens/:id/revoke', async (request, reply) => {
    const session = sessionOf(request);
    const token = await ownToken(runtime, session, request.params.id);
    const integration = await ownIntegration(runtime, session, token.integrationId);
    if (token.revokeTime !== null) {
      return sendRevokedPage(reply, 200, session, integration, token, token.revokeTime);
    }
    return sendPage(
      reply,
      {
        title: 'Revoke access token',
        session,
        section: 'integrations',
        body: html`<h1>Revoke token ${tokenHint(token)}?</h1>
        <p>Programs using it will be refused at once.</p>
        <p class="muted">
          Token ${token.id} of ${integration.name}, with the permissions
          ${token.permissions.join(', ')}, created ${timeElement(token.createTime)}.
        </p>
        <form method="post" action="/admin/tokens/${token.id}/revoke" class="actions">
          ${csrfField(session)}
          <button type="submit" class="danger">Yes, revoke the token</button>
          <a href="${integrationPath(integration)}">No, go back</a>
        </form>`,
      },
      200,
    );
  });

  panel.post<{ Params: { id: string } }>('/tokens/:id/revoke', async (request, reply) => {
    const session = sessionOf(request);
    const token = await ownToken(runtime, session, request.params.id);
    const integration = await ownIntegration(runtime, session, token.integrationId);
    if (token.revokeTime !== null) {
      return sendRevokedPage(reply, 409, session, integration, token, token.revokeTime);
    }
    await runtime.access.revokeToken(token.id, adminAuditContext(request, session.admin));
    return redirectWithNotice(reply, runtime, integrationPath(integration), 'token-revoked');
  });
}

function sendRevokedPage(
  reply: FastifyReply,
  status: number,
  session: PanelSession,
  integration: Integration,
  token: AccessTokenRecord,
  revokeTime: number,
): FastifyReply {
  return sendPage(
    reply,
    {
      title: 'Token already revoked',
      session,
      section: 'integrations',
      body: html`<h1>Token ${tokenHint(token)} is already revoked</h1>
      <p>
        It was revoked ${timeElement(revokeTime)}; programs using it are refused. There is nothing
        more to do.
      </p>
      <p><a href="${integrationPath(integration)}">Back to ${integration.name}</a></p>`,
    },
    status,
  );
}
