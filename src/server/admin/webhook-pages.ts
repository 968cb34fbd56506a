/**
 * @module
 * Webhooks on an integration's page (docs/webhooks.md): its subscription (subscribing runs
 * Meta's handshake first, so a refused URL comes back with what the receiver did), removing it,
 * and the delivery log of its latest deliveries with their state, attempts, HTTP status,
 * latency and last error, each with a Redeliver button.
 */
import type { FastifyInstance } from 'fastify';
import {
  type Integration,
  ValidationError,
  type WebhookDelivery,
  type WebhookSubscription,
} from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { csrfField, type PanelSession, sendPage } from './admin-layout.js';
import { formField, sessionOf } from './admin-session.js';
import { cardTable } from './card-table.js';
import { timeElement } from './export-labels.js';
import { errorSummary, fieldError, type FormError, invalidAttributes } from './form-errors.js';
import { type Html, html } from './html.js';
import { redirectWithNotice } from './one-time-notices.js';
import { ownIntegration } from './own-integrations.js';

/** Notices of these forms, shown once on the integration's page. */
export const WEBHOOK_NOTICES = {
  'webhook-subscribed':
    'The callback URL answered the handshake: exports that end are sent to it from now on.',
  'webhook-removed': 'The webhook subscription was removed: nothing more is sent to it.',
  'webhook-redelivered': 'The delivery is due again: it is sent within a few seconds.',
} as const satisfies Record<string, string>;

/** Deliveries the page lists, newest first. */
const LOG_SIZE = 20;

interface SubscribeState {
  readonly url?: string;
  readonly jobs?: boolean;
  readonly error?: string;
}

function subscribeErrors(state: SubscribeState): FormError[] {
  return state.error === undefined ? [] : [{ fieldId: 'webhook-url', message: state.error }];
}

/** The "Webhooks" part of the integration's page. */
export async function webhookSection(
  runtime: Runtime,
  session: PanelSession,
  integration: Integration,
  state: SubscribeState = {},
): Promise<Html> {
  const subscriptions = await runtime.webhooks.list(integration.id);
  const deliveries = await runtime.webhooks.deliveries({ integrationId: integration.id }, LOG_SIZE);
  return html`<h2 id="webhooks">Webhooks</h2>
    ${subscriptionTable(session, integration, subscriptions)}
    <h3>Subscribe a callback URL</h3>
    ${subscribeForm(session, integration, state)}
    <h3>Delivery log</h3>
    ${deliveryTable(session, integration, deliveries)}`;
}

function subscriptionTable(
  session: PanelSession,
  integration: Integration,
  subscriptions: readonly WebhookSubscription[],
): Html {
  if (subscriptions.length === 0) {
    return html`<p class="muted">No webhook subscription: subscribe a callback URL below.</p>`;
  }
  return cardTable({
    columns: ['Object', 'Callback URL', 'Fields', 'Status', 'Actions'],
    rows: subscriptions.map(
      (s) => html`<tr>
        <td data-label="Object"><code>${s.object}</code></td>
        <td data-label="Callback URL"><code>${s.callbackUrl}</code></td>
        <td data-label="Fields">${s.fields.join(', ')}</td>
        <td data-label="Status">${s.active ? 'Active (verified)' : 'Inactive'}</td>
        <td data-label="Actions">
          <form method="post" action="/admin/integrations/${integration.id}/webhooks/remove">
            ${csrfField(session)}
            <input type="hidden" name="object" value="${s.object}" />
            <button type="submit" class="button danger-outline small">Remove</button>
          </form>
        </td>
      </tr>`,
    ),
  });
}

function subscribeForm(
  session: PanelSession,
  integration: Integration,
  state: SubscribeState,
): Html {
  const errors = subscribeErrors(state);
  return html`<form
    method="post"
    action="/admin/integrations/${integration.id}/webhooks"
    class="stack narrow"
  >
    ${csrfField(session)}
    <label for="webhook-url">Callback URL</label>
    ${fieldError(errors, 'webhook-url')}
    <input
      id="webhook-url"
      name="callback_url"
      type="url"
      required
      maxlength="2000"
      placeholder="https://hooks.example.com/dyi"
      value="${state.url ?? ''}"
      ${invalidAttributes(errors, 'webhook-url')}
    />
    <label for="webhook-verify-token">Verify token</label>
    <input id="webhook-verify-token" name="verify_token" required maxlength="256" />
    <p class="muted">
      Sent as <code>hub.verify_token</code> in the handshake; the receiver checks it and answers
      with <code>hub.challenge</code>. Events are signed with the app secret
      (<code>X-Hub-Signature-256</code>).
    </p>
    <label class="choice">
      <input type="checkbox" name="job_state" value="on" ${state.jobs ? html`checked` : ''} />
      Also send each job’s end (<code>job_state</code>), not only the export’s
    </label>
    <button type="submit" class="secondary">Verify and subscribe</button>
  </form>`;
}

function deliveryTable(
  session: PanelSession,
  integration: Integration,
  deliveries: readonly WebhookDelivery[],
): Html {
  if (deliveries.length === 0) return html`<p class="muted">Nothing was sent yet.</p>`;
  return cardTable({
    columns: [
      'Event',
      'State',
      'Attempts',
      'HTTP status',
      'Latency',
      'Last attempt',
      'Last error',
      'Actions',
    ],
    rows: deliveries.map(
      (d) => html`<tr>
        <td data-label="Event"><code>${d.eventKey}</code></td>
        <td data-label="State">${stateWords(d)}</td>
        <td data-label="Attempts">${String(d.attempts)}</td>
        <td data-label="HTTP status">${d.lastStatus === null ? '–' : String(d.lastStatus)}</td>
        <td data-label="Latency">${d.lastLatencyMs === null ? '–' : `${d.lastLatencyMs} ms`}</td>
        <td data-label="Last attempt">
          ${d.lastAttemptMs === null ? '–' : timeElement(Math.floor(d.lastAttemptMs / 1000))}
        </td>
        <td data-label="Last error">${d.lastError ?? '–'}</td>
        <td data-label="Actions">
          ${
            d.state === 'sending'
              ? ''
              : html`<form
                  method="post"
                  action="/admin/integrations/${integration.id}/webhooks/deliveries/${d.id}/redeliver"
                >
                  ${csrfField(session)}
                  <button type="submit" class="button secondary small">Redeliver</button>
                </form>`
          }
        </td>
      </tr>`,
    ),
  });
}

function stateWords(delivery: WebhookDelivery): string {
  switch (delivery.state) {
    case 'pending':
      return delivery.attempts === 0 ? 'Queued' : 'Retrying';
    case 'sending':
      return 'Sending';
    case 'delivered':
      return 'Delivered';
    case 'failed':
      return 'Failed (retries ran out)';
  }
}

export function registerWebhookPages(panel: FastifyInstance, runtime: Runtime): void {
  panel.post<{ Params: { id: string } }>('/integrations/:id/webhooks', async (request, reply) => {
    const session = sessionOf(request);
    const integration = await ownIntegration(runtime, session, request.params.id);
    const url = formField(request, 'callback_url') ?? '';
    const jobs = formField(request, 'job_state') !== undefined;
    try {
      await runtime.webhooks.subscribe(integration.id, {
        object: 'work_dyi_job',
        callback_url: url,
        fields: jobs ? 'is_completed,job_state' : 'is_completed',
        verify_token: formField(request, 'verify_token') ?? '',
      });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const state = { url, jobs, error: error.message };
      return sendPage(
        reply,
        {
          title: `Webhooks of ${integration.name}`,
          session,
          section: 'integrations',
          body: html`${errorSummary('The callback URL was not subscribed', subscribeErrors(state))}
            <p><a href="/admin/integrations/${integration.id}">Back to ${integration.name}</a></p>
            <h1>Webhooks of ${integration.name}</h1>
            ${await webhookSection(runtime, session, integration, state)}`,
        },
        400,
      );
    }
    return redirectWithNotice(
      reply,
      runtime,
      `/admin/integrations/${integration.id}`,
      'webhook-subscribed',
    );
  });

  panel.post<{ Params: { id: string } }>(
    '/integrations/:id/webhooks/remove',
    async (request, reply) => {
      const session = sessionOf(request);
      const integration = await ownIntegration(runtime, session, request.params.id);
      await runtime.webhooks.unsubscribe(integration.id, formField(request, 'object'));
      return redirectWithNotice(
        reply,
        runtime,
        `/admin/integrations/${integration.id}`,
        'webhook-removed',
      );
    },
  );

  panel.post<{ Params: { id: string; delivery: string } }>(
    '/integrations/:id/webhooks/deliveries/:delivery/redeliver',
    async (request, reply) => {
      const session = sessionOf(request);
      const integration = await ownIntegration(runtime, session, request.params.id);
      const delivery = await runtime.webhooks.delivery(
        request.params.delivery,
        integration.communityId,
      );
      if (delivery.integrationId !== integration.id) {
        return reply.code(404).send('No such delivery of this integration.');
      }
      await runtime.webhooks.redeliver(delivery.id, integration.communityId);
      return redirectWithNotice(
        reply,
        runtime,
        `/admin/integrations/${integration.id}`,
        'webhook-redelivered',
      );
    },
  );
}
