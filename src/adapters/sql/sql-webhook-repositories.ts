/**
 * @module
 * Webhook subscriptions and deliveries (tables `webhook_subscriptions`, `webhook_events`,
 * `webhook_deliveries`), the same on SQLite and PostgreSQL. `webhook_events` is written by
 * triggers (migrations SQLite 0017, PostgreSQL 0009) in the transaction that ends an export or
 * a job; here each event becomes one delivery per subscription and goes. Deliveries are taken
 * with one UPDATE over a sub-select (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so that two
 * deliverers skip each other's rows instead of waiting; SQLite runs one writer at a time), and
 * each taker holds what it took under a lease: a delivery whose taker died is due again once
 * its lease lapses, and a late result from that taker is refused (`lease_owner` fences it).
 * Times are Unix milliseconds; PostgreSQL's BIGINTs arrive as strings and are mapped here.
 */
import { type Kysely, sql } from 'kysely';
import type {
  DeliveryState,
  Id,
  WebhookDelivery,
  WebhookEvent,
  WebhookField,
  WebhookObject,
  WebhookSubscription,
} from '../../domain/index.js';
import type {
  AttemptResult,
  DeliveryFilter,
  NewDelivery,
  NewSubscription,
  WebhookDeliveryRepository,
  WebhookSubscriptionRepository,
} from '../../ports/webhook-repositories.js';
import type { MetadataTables } from './metadata-tables.js';

type Num = number | string;

interface SubscriptionRow {
  id: Num;
  integration_id: Num;
  community_id: Num;
  object: string;
  callback_url: string;
  fields: string;
  verify_token: string;
  active: Num;
  create_time_ms: Num;
}

interface DeliveryRow {
  id: Num;
  subscription_id: Num;
  integration_id: Num;
  community_id: Num;
  event_key: string;
  callback_url: string;
  body: string;
  state: string;
  attempts: Num;
  create_time_ms: Num;
  next_attempt_ms: Num;
  give_up_after_ms: Num;
  last_attempt_ms: Num | null;
  last_status: Num | null;
  last_latency_ms: Num | null;
  last_error: string | null;
  delivered_time_ms: Num | null;
}

interface EventRow {
  id: Num;
  community_id: Num;
  export_id: Num;
  job_id: Num | null;
  field: string;
  time: Num;
}

/** What differs between the engines here. */
export interface WebhookSqlDialect {
  /** Appended to the sub-select that picks deliveries to take (PostgreSQL: FOR UPDATE SKIP LOCKED). */
  readonly claimLock: string;
}

const optionalNumber = (value: Num | null): number | null =>
  value === null ? null : Number(value);

function toSubscription(row: SubscriptionRow): WebhookSubscription {
  return {
    id: String(row.id),
    integrationId: String(row.integration_id),
    communityId: String(row.community_id),
    object: row.object as WebhookObject,
    callbackUrl: row.callback_url,
    fields: row.fields.split(',').filter(Boolean) as WebhookField[],
    verifyToken: row.verify_token,
    active: Number(row.active) === 1,
    createTimeMs: Number(row.create_time_ms),
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: String(row.id),
    subscriptionId: String(row.subscription_id),
    integrationId: String(row.integration_id),
    communityId: String(row.community_id),
    eventKey: row.event_key,
    callbackUrl: row.callback_url,
    body: row.body,
    state: row.state as DeliveryState,
    attempts: Number(row.attempts),
    createTimeMs: Number(row.create_time_ms),
    nextAttemptMs: Number(row.next_attempt_ms),
    giveUpAfterMs: Number(row.give_up_after_ms),
    lastAttemptMs: optionalNumber(row.last_attempt_ms),
    lastStatus: optionalNumber(row.last_status),
    lastLatencyMs: optionalNumber(row.last_latency_ms),
    lastError: row.last_error,
    deliveredTimeMs: optionalNumber(row.delivered_time_ms),
  };
}

function toEvent(row: EventRow): WebhookEvent {
  return {
    id: String(row.id),
    communityId: String(row.community_id),
    exportId: String(row.export_id),
    jobId: row.job_id === null ? null : String(row.job_id),
    field: row.field as WebhookField,
    time: Number(row.time),
  };
}

/** A numeric id, or undefined for text that cannot be one (no row has it). */
function rowId(id: Id): number | undefined {
  return /^\d{1,18}$/.test(id) ? Number(id) : undefined;
}

export class SqlWebhookSubscriptionRepository implements WebhookSubscriptionRepository {
  constructor(private readonly db: () => Kysely<MetadataTables>) {}

  async put(input: NewSubscription): Promise<WebhookSubscription> {
    const { rows } = await sql<SubscriptionRow>`
      INSERT INTO webhook_subscriptions
        (integration_id, community_id, object, callback_url, fields, verify_token, active,
         create_time_ms)
      VALUES (${Number(input.integrationId)}, ${Number(input.communityId)}, ${input.object},
              ${input.callbackUrl}, ${input.fields.join(',')}, ${input.verifyToken},
              ${input.active ? 1 : 0}, ${input.timeMs})
      ON CONFLICT (integration_id, object) DO UPDATE SET
        callback_url = excluded.callback_url, fields = excluded.fields,
        verify_token = excluded.verify_token, active = excluded.active,
        create_time_ms = excluded.create_time_ms
      RETURNING *`.execute(this.db());
    const row = rows[0];
    if (!row) throw new Error('Storing a webhook subscription returned no row.');
    return toSubscription(row);
  }

  async list(integrationId: Id): Promise<readonly WebhookSubscription[]> {
    const id = rowId(integrationId);
    if (id === undefined) return [];
    const { rows } = await sql<SubscriptionRow>`
      SELECT * FROM webhook_subscriptions WHERE integration_id = ${id} ORDER BY object`.execute(
      this.db(),
    );
    return rows.map(toSubscription);
  }

  async delete(integrationId: Id, object?: WebhookObject): Promise<number> {
    const id = rowId(integrationId);
    if (id === undefined) return 0;
    const { rows } = await (
      object === undefined
        ? sql<{
            id: Num;
          }>`DELETE FROM webhook_subscriptions WHERE integration_id = ${id} RETURNING id`
        : sql<{ id: Num }>`DELETE FROM webhook_subscriptions
          WHERE integration_id = ${id} AND object = ${object} RETURNING id`
    ).execute(this.db());
    return rows.length;
  }

  async listFor(
    communityId: Id,
    object: WebhookObject,
    field: WebhookField,
  ): Promise<readonly WebhookSubscription[]> {
    const { rows } = await sql<SubscriptionRow>`
      SELECT * FROM webhook_subscriptions
      WHERE community_id = ${Number(communityId)} AND object = ${object} AND active = 1
        AND ',' || fields || ',' LIKE ${`%,${field},%`}
      ORDER BY id`.execute(this.db());
    return rows.map(toSubscription);
  }
}

export class SqlWebhookDeliveryRepository implements WebhookDeliveryRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly dialect: WebhookSqlDialect,
  ) {}

  async pendingEvents(limit: number): Promise<readonly WebhookEvent[]> {
    const { rows } = await sql<EventRow>`
      SELECT * FROM webhook_events ORDER BY id LIMIT ${limit}`.execute(this.db());
    return rows.map(toEvent);
  }

  async fanOut(
    eventId: Id,
    deliveries: readonly NewDelivery[],
    nowMs: number,
    retryForMs: number,
  ): Promise<void> {
    await this.db()
      .transaction()
      .execute(async (trx) => {
        for (const { subscription, eventKey, body } of deliveries) {
          await sql`
            INSERT INTO webhook_deliveries
              (subscription_id, integration_id, community_id, event_key, callback_url, body,
               state, attempts, create_time_ms, next_attempt_ms, give_up_after_ms)
            VALUES (${Number(subscription.id)}, ${Number(subscription.integrationId)},
                    ${Number(subscription.communityId)}, ${eventKey}, ${subscription.callbackUrl},
                    ${body}, 'pending', 0, ${nowMs}, ${nowMs}, ${nowMs + retryForMs})
            ON CONFLICT (subscription_id, event_key) DO NOTHING`.execute(trx);
        }
        await sql`DELETE FROM webhook_events WHERE id = ${Number(eventId)}`.execute(trx);
      });
  }

  async claim(
    owner: string,
    nowMs: number,
    leaseUntilMs: number,
    limit: number,
  ): Promise<readonly WebhookDelivery[]> {
    const { rows } = await sql<DeliveryRow>`
      UPDATE webhook_deliveries
      SET state = 'sending', lease_owner = ${owner}, lease_until_ms = ${leaseUntilMs},
          attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM webhook_deliveries
        WHERE (state = 'pending' AND next_attempt_ms <= ${nowMs})
           OR (state = 'sending' AND lease_until_ms <= ${nowMs})
        ORDER BY next_attempt_ms, id
        LIMIT ${limit}${sql.raw(this.dialect.claimLock)})
      RETURNING *`.execute(this.db());
    return rows.map(toDelivery).sort((a, b) => a.nextAttemptMs - b.nextAttemptMs);
  }

  async finish(id: Id, owner: string, result: AttemptResult): Promise<boolean> {
    const key = rowId(id);
    if (key === undefined) return false;
    const state: DeliveryState = result.delivered
      ? 'delivered'
      : result.nextAttemptMs === null
        ? 'failed'
        : 'pending';
    const { rows } = await sql<{ id: Num }>`
      UPDATE webhook_deliveries
      SET state = ${state}, lease_owner = NULL, lease_until_ms = NULL,
          last_attempt_ms = ${result.timeMs}, last_status = ${result.status},
          last_latency_ms = ${result.latencyMs}, last_error = ${result.error},
          next_attempt_ms = ${result.nextAttemptMs ?? result.timeMs},
          delivered_time_ms = ${result.delivered ? result.timeMs : null}
      WHERE id = ${key} AND state = 'sending' AND lease_owner = ${owner}
      RETURNING id`.execute(this.db());
    return rows.length > 0;
  }

  async redeliver(id: Id, nowMs: number, giveUpAfterMs: number): Promise<boolean> {
    const key = rowId(id);
    if (key === undefined) return false;
    const { rows } = await sql<{ id: Num }>`
      UPDATE webhook_deliveries
      SET state = 'pending', next_attempt_ms = ${nowMs}, give_up_after_ms = ${giveUpAfterMs},
          lease_owner = NULL, lease_until_ms = NULL
      WHERE id = ${key} AND state <> 'sending'
      RETURNING id`.execute(this.db());
    return rows.length > 0;
  }

  async get(id: Id): Promise<WebhookDelivery | undefined> {
    const key = rowId(id);
    if (key === undefined) return undefined;
    const { rows } = await sql<DeliveryRow>`
      SELECT * FROM webhook_deliveries WHERE id = ${key}`.execute(this.db());
    return rows[0] && toDelivery(rows[0]);
  }

  async list(filter: DeliveryFilter, limit: number): Promise<readonly WebhookDelivery[]> {
    const conditions = [sql`1 = 1`];
    if (filter.communityId !== undefined) {
      conditions.push(sql`community_id = ${Number(filter.communityId)}`);
    }
    if (filter.integrationId !== undefined) {
      conditions.push(sql`integration_id = ${rowId(filter.integrationId) ?? -1}`);
    }
    if (filter.state !== undefined) conditions.push(sql`state = ${filter.state}`);
    const { rows } = await sql<DeliveryRow>`
      SELECT * FROM webhook_deliveries WHERE ${sql.join(conditions, sql` AND `)}
      ORDER BY id DESC LIMIT ${limit}`.execute(this.db());
    return rows.map(toDelivery);
  }
}
