/**
 * @module
 * The pages that show a new secret once: "Integration created" with its app secret, and
 * "Access token created" with its token. The forms that create them redirect here
 * (post-redirect-get, through `OneTimeReveals`, which any API process can take it from), so
 * reloading one of these pages shows "already shown" and creates nothing, and the secret is in
 * no URL and no form resubmission: the URL's `reveal` holds only the id and key of what waits.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AccessTokenRecord, Id, Integration } from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { type PanelSession, sendPage } from './admin-layout.js';
import { sessionOf } from './admin-session.js';
import { copyButton } from './copy-button.js';
import { type Html, html } from './html.js';
import { OneTimeReveals } from './one-time-reveals.js';
import { ownIntegration, ownToken } from './own-integrations.js';

/** What a reveal page shows: the new integration's app secret, or a new token. */
export type SecretReveal =
  | { readonly kind: 'app-secret'; readonly integrationId: Id }
  | { readonly kind: 'token'; readonly tokenId: Id; readonly token: string };

/** Where the page of a kept secret is (`handle`: what `OneTimeReveals.put` answered). */
export function revealPath(reveal: SecretReveal, handle: string): string {
  const page = reveal.kind === 'app-secret' ? 'integrations' : 'tokens';
  return `/admin/${page}/created?reveal=${handle}`;
}

/** Keeps the secret for this session; the URL to redirect the form's POST to. */
export async function keepForReveal(
  reveals: OneTimeReveals<SecretReveal>,
  session: PanelSession,
  reveal: SecretReveal,
): Promise<string> {
  return revealPath(reveal, await reveals.put(session.csrfToken, reveal));
}

/** The secret the request's `reveal` names, taken for its session (see OneTimeReveals). */
function takeReveal(
  reveals: OneTimeReveals<SecretReveal>,
  session: PanelSession,
  query: unknown,
): Promise<SecretReveal | undefined> {
  const handle = (query as { reveal?: unknown }).reveal;
  return typeof handle === 'string'
    ? reveals.take(session.csrfToken, handle)
    : Promise.resolve(undefined);
}

export function registerSecretRevealPages(
  panel: FastifyInstance,
  runtime: Runtime,
  reveals: OneTimeReveals<SecretReveal>,
): void {
  panel.get('/integrations/created', async (request, reply) => {
    const session = sessionOf(request);
    const reveal = await takeReveal(reveals, session, request.query);
    if (reveal?.kind !== 'app-secret') return sendAlreadyShown(reply, session, 'app secret');
    const integration = await ownIntegration(runtime, session, reveal.integrationId);
    return sendPage(reply, integrationCreatedPage(session, integration), 200);
  });

  panel.get('/tokens/created', async (request, reply) => {
    const session = sessionOf(request);
    const reveal = await takeReveal(reveals, session, request.query);
    if (reveal?.kind !== 'token') return sendAlreadyShown(reply, session, 'access token');
    const record = await ownToken(runtime, session, reveal.tokenId);
    const integration = await ownIntegration(runtime, session, record.integrationId);
    return sendPage(reply, tokenCreatedPage(session, integration, record, reveal.token), 200);
  });
}

function integrationCreatedPage(session: PanelSession, integration: Integration) {
  return {
    title: 'Integration created',
    session,
    section: 'integrations' as const,
    body: html`<h1>Integration created</h1>
      <p class="warning" role="alert">
        <strong>Copy the app secret now: it is shown only this once.</strong> Afterwards the panel
        shows only its last 4 characters.
      </p>
      <dl class="stack">
        <dt>Name</dt>
        <dd>${integration.name}</dd>
        <dt>App ID</dt>
        <dd class="secret" id="new-app-id">${integration.id}</dd>
        <dt>App secret</dt>
        <dd class="secret" id="new-app-secret">${integration.appSecret}</dd>
        <dd>${copyButton('new-app-secret', 'Copy the app secret')}</dd>
      </dl>
      <p class="muted">
        ${
          integration.requireAppsecretProof
            ? html`Calls must send <code>appsecret_proof</code>: hex HMAC-SHA256 of the access
                token, keyed with the app secret.`
            : html`The app secret is needed only if <code>appsecret_proof</code> is required
                later.`
        }
      </p>
      <p>
        <a href="/admin/integrations/${integration.id}">Go to the integration</a> to create its
        access tokens.
      </p>`,
  };
}

function tokenCreatedPage(
  session: PanelSession,
  integration: Integration,
  record: AccessTokenRecord,
  token: string,
) {
  return {
    title: 'Access token created',
    session,
    section: 'integrations' as const,
    body: html`<h1>Access token created</h1>
      <p class="warning" role="alert">
        <strong>Copy the token now: it will not be shown again.</strong> Afterwards the panel shows
        only its last 4 characters (…${record.hint}).
      </p>
      <p class="secret" id="new-token">${token}</p>
      <p>${copyButton('new-token', 'Copy the token')}</p>
      <p>
        For ${integration.name} (app id ${integration.id}), with the permissions
        ${record.permissions.join(', ')}.
      </p>
      <p class="muted">
        Programs send it as <code>Authorization: Bearer &lt;token&gt;</code> or as the
        <code>access_token</code> parameter${
          integration.requireAppsecretProof
            ? html`, together with <code>appsecret_proof</code>, which this integration requires`
            : ''
        }.
      </p>
      <p><a href="/admin/integrations/${integration.id}">Back to the integration</a></p>`,
  };
}

/** A reload, a copied URL or another session: the secret was shown once and is not kept. */
function sendAlreadyShown(reply: FastifyReply, session: PanelSession, what: string): FastifyReply {
  const body: Html = html`<h1>Already shown</h1>
    <p role="alert">
      This ${what} was shown once, when it was created, and is not kept anywhere, so it cannot be
      shown again. Reloading this page created nothing.
    </p>
    <p class="muted">
      ${
        what === 'access token'
          ? 'If it was not copied, create a new token and revoke the one that was lost.'
          : 'If it was not copied, delete the integration and create a new one.'
      }
    </p>
    <p><a href="/admin/integrations">Back to the integrations</a></p>`;
  return sendPage(reply, { title: 'Already shown', session, section: 'integrations', body }, 410);
}
