/**
 * @module
 * Graph's `/{app-id}/subscriptions` edge, for an integration's own webhooks (see
 * docs/webhooks.md): `POST` subscribes a callback URL (`object`, `callback_url`, `fields`,
 * `verify_token`; Meta's handshake runs first) and answers `{"success": true}`; `GET` lists
 * `{data: [{object, callback_url, active, fields: [{name, version}]}]}`; `DELETE` removes the
 * subscription to `object`, or all. `app` stands for the caller's own integration, as on Graph;
 * another integration's id is answered as an unknown one.
 */
import { NotFoundError, type Principal, UnsupportedOperationError } from '../domain/index.js';
import type { Runtime } from '../runtime.js';
import { stringParam } from './graph-request.js';

export async function subscriptionsEdge(
  runtime: Runtime,
  principal: Principal,
  id: string,
  method: string,
  params: Record<string, unknown>,
): Promise<unknown> {
  const integrationId = id === 'app' ? principal.integrationId : id;
  const verb = method === 'POST' ? 'post' : method === 'DELETE' ? 'delete' : 'get';
  if (integrationId !== principal.integrationId) throw new NotFoundError(id, verb);
  switch (method) {
    case 'GET': {
      const subscriptions = await runtime.webhooks.list(integrationId);
      return {
        data: subscriptions.map((subscription) => ({
          object: subscription.object,
          callback_url: subscription.callbackUrl,
          active: subscription.active,
          fields: subscription.fields.map((name) => ({
            name,
            version: runtime.config.graphVersion,
          })),
        })),
      };
    }
    case 'POST':
      await runtime.webhooks.subscribe(integrationId, {
        object: stringParam(params, 'object'),
        callback_url: stringParam(params, 'callback_url'),
        fields: stringParam(params, 'fields'),
        verify_token: stringParam(params, 'verify_token'),
      });
      return { success: true };
    case 'DELETE':
      await runtime.webhooks.unsubscribe(integrationId, stringParam(params, 'object'));
      return { success: true };
    default:
      throw new UnsupportedOperationError(`Unsupported ${method.toLowerCase()} request.`);
  }
}
