/**
 * @module
 * `dyi webhook subscribe|list|unsubscribe|deliveries|redeliver`: an integration's webhook
 * subscriptions (verified by Meta's handshake, as the Graph edge `/{app-id}/subscriptions`
 * does) and the delivery log that `dyi serve` and `dyi worker` write (docs/webhooks.md).
 */
import { Command } from 'commander';
import { DELIVERY_STATES, ValidationError, type WebhookDelivery } from '../domain/index.js';
import { addDataDirOption, type DataDirOptions, withRuntime } from './cli-context.js';

interface SubscribeOptions extends DataDirOptions {
  readonly url: string;
  readonly fields: string;
  readonly verifyToken: string;
  readonly object: string;
}

interface DeliveriesOptions extends DataDirOptions {
  readonly integration?: string;
  readonly state?: string;
  readonly limit: string;
}

/** One line of the delivery log: id, state, attempts, last HTTP status, latency, event, URL, error. */
function logLine(d: WebhookDelivery): string {
  const when = new Date(d.lastAttemptMs ?? d.createTimeMs).toISOString();
  const status = d.lastStatus === null ? '-' : String(d.lastStatus);
  const latency = d.lastLatencyMs === null ? '-' : `${d.lastLatencyMs}ms`;
  const next = d.state === 'pending' ? `\tnext ${new Date(d.nextAttemptMs).toISOString()}` : '';
  const error = d.lastError === null ? '' : `\t${d.lastError}`;
  return `${d.id}\t${d.state}\tattempts=${d.attempts}\t${status}\t${latency}\t${when}\t${d.eventKey}\t${d.callbackUrl}${next}${error}\n`;
}

export function webhookCommand(): Command {
  const webhook = new Command('webhook').description(
    "webhooks in Meta's style: subscriptions of an integration and their delivery log",
  );
  addDataDirOption(
    webhook
      .command('subscribe')
      .description("subscribe a callback URL of an integration (runs Meta's GET handshake first)")
      .argument('<app-id>', 'the integration (dyi integration list)')
      .requiredOption('--url <url>', 'callback URL that answers the handshake and takes the POSTs')
      .requiredOption('--verify-token <text>', 'sent as hub.verify_token for the receiver to check')
      .option('--fields <list>', 'comma-separated: is_completed, job_state', 'is_completed')
      .option('--object <name>', 'the object subscribed to', 'work_dyi_job'),
  ).action(async (appId: string, options: SubscribeOptions) => {
    await withRuntime(options, async (runtime) => {
      const subscription = await runtime.webhooks.subscribe(appId, {
        object: options.object,
        callback_url: options.url,
        fields: options.fields,
        verify_token: options.verifyToken,
      });
      process.stdout.write(
        `subscribed ${subscription.object} (${subscription.fields.join(',')}) -> ${subscription.callbackUrl}: verified, active\n`,
      );
    });
  });
  addDataDirOption(
    webhook
      .command('list')
      .description("list an integration's subscriptions (object, active, fields, URL)")
      .argument('<app-id>'),
  ).action(async (appId: string, options: DataDirOptions) => {
    await withRuntime(options, async (runtime) => {
      for (const s of await runtime.webhooks.list(appId)) {
        const active = s.active ? 'active' : 'inactive';
        process.stdout.write(`${s.object}\t${active}\t${s.fields.join(',')}\t${s.callbackUrl}\n`);
      }
    });
  });
  addDataDirOption(
    webhook
      .command('unsubscribe')
      .description("remove an integration's subscription to an object (default: all of them)")
      .argument('<app-id>')
      .option('--object <name>', 'only this object'),
  ).action(async (appId: string, options: DataDirOptions & { object?: string }) => {
    await withRuntime(options, async (runtime) => {
      const removed = await runtime.webhooks.unsubscribe(appId, options.object);
      process.stdout.write(`removed ${removed} subscription${removed === 1 ? '' : 's'}\n`);
    });
  });
  addDataDirOption(
    webhook
      .command('deliveries')
      .description(
        'the delivery log, newest first: id, state, attempts, HTTP status, latency, last attempt, event, URL, next attempt, error',
      )
      .option('--integration <app-id>', 'only this integration')
      .option('--state <state>', `only ${DELIVERY_STATES.join(', ')}`)
      .option('--limit <n>', 'at most this many (1 to 500)', '50'),
  ).action(async (options: DeliveriesOptions) => {
    await withRuntime(options, async (runtime) => {
      const state = options.state;
      if (state !== undefined && !(DELIVERY_STATES as readonly string[]).includes(state)) {
        throw new ValidationError(
          'state',
          `Unknown state "${state}"; allowed: ${DELIVERY_STATES.join(', ')}.`,
        );
      }
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
        throw new ValidationError(
          'limit',
          `--limit must be a whole number from 1 to 500, not "${options.limit}".`,
        );
      }
      const deliveries = await runtime.webhooks.deliveries(
        {
          integrationId: options.integration,
          state: state as WebhookDelivery['state'] | undefined,
        },
        limit,
      );
      for (const delivery of deliveries) process.stdout.write(logLine(delivery));
    });
  });
  addDataDirOption(
    webhook
      .command('redeliver')
      .description('send a delivery again now (retried as a new one if it fails)')
      .argument('<delivery-id>'),
  ).action(async (id: string, options: DataDirOptions) => {
    await withRuntime(options, async (runtime) => {
      const delivery = await runtime.webhooks.redeliver(id);
      process.stdout.write(
        `delivery ${delivery.id} is due now (${delivery.eventKey} -> ${delivery.callbackUrl})\n`,
      );
    });
  });
  return webhook;
}
