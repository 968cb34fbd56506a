/**
 * @module
 * Use cases of webhooks, shared by the Graph API, the CLI and the admin panel: subscribing an
 * integration's callback URL (verified by Meta's handshake before it is stored), listing and
 * removing subscriptions, reading the delivery log and redelivering. It also turns the events
 * the store records into deliveries with their bodies (`fanOutEvents`), which the deliverer
 * (`webhook-deliverer.ts`) calls; the body is fixed then, so every attempt and every redelivery
 * sends, and signs, the same bytes.
 */
import { randomBytes } from 'node:crypto';
import {
  type Id,
  NotFoundError,
  ValidationError,
  WEBHOOK_FIELDS,
  WEBHOOK_OBJECTS,
  type WebhookDelivery,
  type WebhookEvent,
  type WebhookField,
  type WebhookObject,
  type WebhookSubscription,
} from '../domain/index.js';
import type { Clock } from '../ports/clock.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { DeliveryFilter, NewDelivery } from '../ports/webhook-repositories.js';
import { formatGraphDate as formatGraphTime } from '../graph/graph-date.js';
import type { WebhookSender } from './webhook-sender.js';

/** What a caller sends to subscribe, as Graph's `POST /{app-id}/subscriptions` takes it. */
export interface RawSubscription {
  readonly object?: string | undefined;
  readonly callback_url?: string | undefined;
  readonly fields?: string | readonly string[] | undefined;
  readonly verify_token?: string | undefined;
}

export interface WebhookServiceOptions {
  /** How long a new (or redelivered) delivery is retried, in milliseconds. */
  readonly retryForMs: number;
}

const MAX_URL_LENGTH = 2000;
const MAX_VERIFY_TOKEN_LENGTH = 256;

export class WebhookService {
  readonly #store: MetadataStore;
  readonly #sender: WebhookSender;
  readonly #clock: Clock;
  readonly #options: WebhookServiceOptions;

  constructor(
    store: MetadataStore,
    sender: WebhookSender,
    clock: Clock,
    options: WebhookServiceOptions,
  ) {
    this.#store = store;
    this.#sender = sender;
    this.#clock = clock;
    this.#options = Object.freeze({ ...options });
  }

  /**
   * Checks the input, runs Meta's handshake against the callback URL, and stores the
   * subscription (replacing the integration's earlier one to the same object). A URL that does
   * not echo the challenge is refused with a ValidationError saying what it answered.
   */
  async subscribe(integrationId: Id, raw: RawSubscription): Promise<WebhookSubscription> {
    const integration = await this.#store.integrations.get(integrationId);
    if (!integration) throw new NotFoundError(integrationId);
    const input = parseSubscription(raw);
    const challenge = randomBytes(12).toString('hex');
    const problem = await this.#sender.verify(input.callbackUrl, input.verifyToken, challenge);
    if (problem !== null) {
      throw new ValidationError(
        'callback_url',
        `(#2200) Callback verification failed: ${problem}. The callback URL must answer a GET ` +
          'with hub.mode=subscribe by echoing hub.challenge (HTTP 200, the challenge as the body) ' +
          'after checking hub.verify_token.',
      );
    }
    return this.#store.webhookSubscriptions.put({
      integrationId,
      communityId: integration.communityId,
      ...input,
      active: true,
      timeMs: this.#clock.now(),
    });
  }

  async list(integrationId: Id): Promise<readonly WebhookSubscription[]> {
    if (!(await this.#store.integrations.get(integrationId)))
      throw new NotFoundError(integrationId);
    return this.#store.webhookSubscriptions.list(integrationId);
  }

  /** Removes the integration's subscription to `object`, or all of them; answers how many. */
  async unsubscribe(integrationId: Id, object?: string): Promise<number> {
    if (!(await this.#store.integrations.get(integrationId)))
      throw new NotFoundError(integrationId);
    const named = object === undefined || object === '' ? undefined : parseObject(object);
    return this.#store.webhookSubscriptions.delete(integrationId, named);
  }

  deliveries(filter: DeliveryFilter, limit = 50): Promise<readonly WebhookDelivery[]> {
    return this.#store.webhookDeliveries.list(filter, Math.min(Math.max(limit, 1), 500));
  }

  /** The delivery, if it exists in this community (any community without one). */
  async delivery(id: Id, communityId?: Id): Promise<WebhookDelivery> {
    const found = await this.#store.webhookDeliveries.get(id);
    if (!found || (communityId !== undefined && found.communityId !== communityId)) {
      throw new NotFoundError(id);
    }
    return found;
  }

  /** Sends the delivery again now, with retries for another window; refused while one runs. */
  async redeliver(id: Id, communityId?: Id): Promise<WebhookDelivery> {
    await this.delivery(id, communityId);
    const now = this.#clock.now();
    if (!(await this.#store.webhookDeliveries.redeliver(id, now, now + this.#options.retryForMs))) {
      throw new ValidationError(
        'delivery',
        `Delivery ${id} is being sent right now; wait for this attempt to end, then redeliver.`,
      );
    }
    return this.delivery(id);
  }

  /**
   * Turns up to `limit` recorded events into deliveries (one per subscription that wants the
   * event's field); answers how many events it handled.
   */
  async fanOutEvents(limit = 100): Promise<number> {
    const events = await this.#store.webhookDeliveries.pendingEvents(limit);
    for (const event of events) {
      const subscriptions = await this.#store.webhookSubscriptions.listFor(
        event.communityId,
        'work_dyi_job',
        event.field,
      );
      const deliveries: NewDelivery[] = [];
      if (subscriptions.length > 0) {
        const body = JSON.stringify(await this.#bodyOf(event));
        const eventKey = `${event.field}:${event.jobId ?? event.exportId}`;
        for (const subscription of subscriptions) deliveries.push({ subscription, eventKey, body });
      }
      await this.#store.webhookDeliveries.fanOut(
        event.id,
        deliveries,
        this.#clock.now(),
        this.#options.retryForMs,
      );
    }
    return events.length;
  }

  /** Meta's envelope: `{object, entry: [{id, time, changes: [{field, value}]}]}`. */
  async #bodyOf(event: WebhookEvent): Promise<object> {
    const value =
      event.field === 'is_completed' ? await this.#exportEnded(event) : await this.#jobEnded(event);
    return {
      object: 'work_dyi_job',
      entry: [{ id: event.exportId, time: event.time, changes: [{ field: event.field, value }] }],
    };
  }

  async #exportEnded(event: WebhookEvent): Promise<object> {
    const exportJob = await this.#store.exports.get(event.exportId);
    if (!exportJob) return { id: event.exportId, is_completed: true, status: 'DELETED' };
    const counts = await this.#store.exports.countJobs(exportJob.id);
    const totals = await this.#store.files.totalsOfExport(exportJob.id);
    const abortReason =
      counts.aborted > 0 ? await this.#store.exports.firstAbortReason(exportJob.id) : null;
    const status = exportJob.cancelRequested
      ? 'ABORTED'
      : counts.failed > 0
        ? 'FAILED'
        : counts.aborted === counts.total
          ? 'ABORTED'
          : 'COMPLETED';
    return {
      id: exportJob.id,
      name: exportJob.name,
      is_completed: true,
      status,
      abort_reason: abortReason,
      total_number_of_jobs: counts.total,
      completed_jobs: counts.completed,
      aborted_jobs: counts.aborted,
      failed_jobs: counts.failed,
      number_of_files: totals.files,
      total_file_size: totals.bytes,
      create_time: formatGraphTime(exportJob.createTime),
      end_time: formatGraphTime(event.time),
    };
  }

  async #jobEnded(event: WebhookEvent): Promise<object> {
    const job = event.jobId === null ? undefined : await this.#store.jobs.get(event.jobId);
    if (!job) return { id: event.jobId, export_id: event.exportId, job_state: 'DELETED' };
    return {
      id: job.id,
      export_id: job.exportId,
      job_type: job.jobType,
      user: job.userId === null ? null : { id: job.userId },
      job_state: job.state,
      abort_reason: job.abortReason,
      number_of_files: await this.#store.files.countByJob(job.id),
      update_time: formatGraphTime(event.time),
    };
  }
}

function parseObject(object: string): WebhookObject {
  if (!(WEBHOOK_OBJECTS as readonly string[]).includes(object)) {
    throw new ValidationError(
      'object',
      `object "${object}" cannot be subscribed to; allowed: ${WEBHOOK_OBJECTS.join(', ')}.`,
    );
  }
  return object as WebhookObject;
}

function parseSubscription(raw: RawSubscription): {
  object: WebhookObject;
  callbackUrl: string;
  fields: WebhookField[];
  verifyToken: string;
} {
  const object = parseObject(raw.object ?? '');
  const callbackUrl = (raw.callback_url ?? '').trim();
  let url: URL | undefined;
  try {
    url = new URL(callbackUrl);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    !['http:', 'https:'].includes(url.protocol) ||
    callbackUrl.length > MAX_URL_LENGTH ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new ValidationError(
      'callback_url',
      `callback_url must be an absolute http or https URL without credentials, at most ${MAX_URL_LENGTH} characters.`,
    );
  }
  const listed = (typeof raw.fields === 'string' ? [raw.fields] : (raw.fields ?? []))
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
  const unknown = listed.filter((name) => !(WEBHOOK_FIELDS as readonly string[]).includes(name));
  if (listed.length === 0 || unknown.length > 0) {
    throw new ValidationError(
      'fields',
      `${unknown.length > 0 ? `Unknown field ${unknown.map((u) => `"${u}"`).join(', ')}` : 'fields is missing'}; allowed fields of work_dyi_job: ${WEBHOOK_FIELDS.join(', ')}.`,
    );
  }
  const verifyToken = raw.verify_token ?? '';
  if (verifyToken.length === 0 || verifyToken.length > MAX_VERIFY_TOKEN_LENGTH) {
    throw new ValidationError(
      'verify_token',
      `verify_token must have 1 to ${MAX_VERIFY_TOKEN_LENGTH} characters: the handshake sends it as hub.verify_token for the receiver to check.`,
    );
  }
  return {
    object,
    callbackUrl: url.href,
    fields: WEBHOOK_FIELDS.filter((field) => listed.includes(field)),
    verifyToken,
  };
}
