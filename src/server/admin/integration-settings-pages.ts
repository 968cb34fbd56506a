/**
 * @module
 * Renaming and deleting an integration. The name form sits on the integration's page; deleting
 * lives in its "Danger zone" and asks first, on a page of its own that says how many active
 * tokens stop working. Deleting removes the integration with all its tokens, so every program
 * that uses one is refused from then on (Graph error 190, as for a revoked token).
 */
import type { FastifyInstance } from 'fastify';
import { type Integration, ValidationError } from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { csrfField, type PanelSession, sendPage } from './admin-layout.js';
import { formField, sessionOf } from './admin-session.js';
import { errorSummary, fieldError, type FormError, invalidAttributes } from './form-errors.js';
import { type Html, html } from './html.js';
import { redirectWithNotice } from './one-time-notices.js';
import { ownIntegration } from './own-integrations.js';
import { adminAuditContext } from '../audit-context.js';

/** The rename form of an integration's page, with the refused name and why, if any. */
export function renameForm(
  session: PanelSession,
  integration: Integration,
  refused?: { readonly name: string; readonly error: string },
): Html {
  const errors = renameErrors(refused);
  return html`<form
    method="post"
    action="/admin/integrations/${integration.id}/rename"
    class="stack narrow"
  >
    ${csrfField(session)}
    <label for="integration-rename">Name</label>
    ${fieldError(errors, 'integration-rename')}
    <input
      id="integration-rename"
      name="name"
      required
      maxlength="200"
      value="${refused?.name ?? integration.name}"
      ${invalidAttributes(errors, 'integration-rename')}
    />
    <button type="submit" class="secondary">Rename</button>
  </form>`;
}

function renameErrors(refused: { readonly error: string } | undefined): FormError[] {
  return refused ? [{ fieldId: 'integration-rename', message: refused.error }] : [];
}

/** The bottom of an integration's page: what cannot be undone. */
export function dangerZone(integration: Integration): Html {
  return html`<section class="danger-zone" aria-labelledby="danger-zone">
    <h2 id="danger-zone">Danger zone</h2>
    <div class="danger-row">
      <p>
        <strong>Delete the integration.</strong> All its access tokens are revoked: programs using
        them are refused at once. This cannot be undone.
      </p>
      <a class="button danger-outline" href="/admin/integrations/${integration.id}/delete"
        >Delete integration</a
      >
    </div>
  </section>`;
}

export function registerIntegrationSettingsPages(panel: FastifyInstance, runtime: Runtime): void {
  panel.post<{ Params: { id: string } }>('/integrations/:id/rename', async (request, reply) => {
    const session = sessionOf(request);
    const integration = await ownIntegration(runtime, session, request.params.id);
    const name = formField(request, 'name') ?? '';
    try {
      await runtime.access.renameIntegration(
        integration.id,
        name,
        adminAuditContext(request, session.admin),
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return sendPage(
        reply,
        {
          title: `Rename ${integration.name}`,
          session,
          section: 'integrations',
          body: html`${errorSummary('The integration was not renamed', renameErrors({ error: error.message }))}
            <p><a href="/admin/integrations/${integration.id}">Back to ${integration.name}</a></p>
            <h1>Rename ${integration.name}</h1>
            ${renameForm(session, integration, { name, error: error.message })}`,
        },
        400,
      );
    }
    return redirectWithNotice(reply, runtime, `/admin/integrations/${integration.id}`, 'renamed');
  });

  panel.get<{ Params: { id: string } }>('/integrations/:id/delete', async (request, reply) => {
    const session = sessionOf(request);
    const integration = await ownIntegration(runtime, session, request.params.id);
    const tokens = await runtime.metadata.tokens.list(integration.id);
    const active = tokens.filter((token) => token.revokeTime === null).length;
    return sendPage(reply, {
      title: `Delete ${integration.name}`,
      session,
      section: 'integrations',
      body: html`<h1>Delete the integration ${integration.name}?</h1>
        <p>
          ${
            active === 0
              ? 'It has no active access tokens.'
              : `Its ${active} active access token${active === 1 ? '' : 's'} will be revoked: programs using ${active === 1 ? 'it' : 'them'} are refused at once.`
          }
          This cannot be undone.
        </p>
        <p class="muted">App ID ${integration.id}.</p>
        <form method="post" action="/admin/integrations/${integration.id}/delete" class="actions">
          ${csrfField(session)}
          <button type="submit" class="danger">Yes, delete the integration</button>
          <a href="/admin/integrations/${integration.id}">No, go back</a>
        </form>`,
    });
  });

  panel.post<{ Params: { id: string } }>('/integrations/:id/delete', async (request, reply) => {
    const session = sessionOf(request);
    const integration = await ownIntegration(runtime, session, request.params.id);
    await runtime.access.deleteIntegration(
      integration.id,
      adminAuditContext(request, session.admin),
    );
    return redirectWithNotice(reply, runtime, '/admin/integrations', 'integration-deleted');
  });
}
