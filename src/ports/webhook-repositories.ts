/**
 * @module
 * Where webhook subscriptions and deliveries live (see `domain/webhooks.ts`): in the metadata
 * store, so that every process on the database shares them and a restart loses nothing. Events
 * are written by the store itself, in the transaction that ends an export or a job (triggers on
 * both engines), and turned into deliveries here; both adapters run one contract suite
 * (`webhook-store.contract.ts`).
 */
import type {
  Id,
  WebhookDelivery,
  WebhookEvent,
  WebhookField,
  WebhookObject,
  WebhookSubscription,
} from '../domain/index.js';

export interface NewSubscription {
  readonly integrationId: Id;
  readonly communityId: Id;
  readonly object: WebhookObject;
  readonly callbackUrl: string;
  readonly fields: readonly WebhookField[];
  readonly verifyToken: string;
  readonly active: boolean;
  readonly timeMs: number;
}

export interface WebhookSubscriptionRepository {
  /** Creates or replaces the integration's subscription to the object (one per object, as on Graph). */
  put(subscription: NewSubscription): Promise<WebhookSubscription>;
  list(integrationId: Id): Promise<readonly WebhookSubscription[]>;
  /** Removes the integration's subscription to `object`, or all of them; answers how many. */
  delete(integrationId: Id, object?: WebhookObject): Promise<number>;
  /** Active subscriptions in the community to the object that want the field. */
  listFor(
    communityId: Id,
    object: WebhookObject,
    field: WebhookField,
  ): Promise<readonly WebhookSubscription[]>;
}

export interface NewDelivery {
  readonly subscription: WebhookSubscription;
  readonly eventKey: string;
  readonly body: string;
}

/** Which deliveries to list; every condition given must hold. */
export interface DeliveryFilter {
  readonly communityId?: Id | undefined;
  readonly integrationId?: Id | undefined;
  readonly state?: WebhookDelivery['state'] | undefined;
}

export interface AttemptResult {
  readonly timeMs: number;
  readonly status: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  /** Delivered (2xx): no further attempt. */
  readonly delivered: boolean;
  /** When to try again; null: give up (the delivery ends `failed`). Ignored when delivered. */
  readonly nextAttemptMs: number | null;
}

export interface WebhookDeliveryRepository {
  /** Events the store recorded and not yet turned into deliveries, oldest first. */
  pendingEvents(limit: number): Promise<readonly WebhookEvent[]>;
  /**
   * Records the event's deliveries (one per subscription; one already there for the same
   * subscription and event key is kept as it is) and removes the event, in one transaction.
   * Safe to run twice or from two processes at once.
   */
  fanOut(
    eventId: Id,
    deliveries: readonly NewDelivery[],
    nowMs: number,
    retryForMs: number,
  ): Promise<void>;
  /**
   * Takes up to `limit` deliveries due at `nowMs` (pending and due, or sending with a lapsed
   * lease) for `owner` until `leaseUntilMs`, counting an attempt on each. Atomic across
   * processes: no delivery is taken by two owners at once.
   */
  claim(
    owner: string,
    nowMs: number,
    leaseUntilMs: number,
    limit: number,
  ): Promise<readonly WebhookDelivery[]>;
  /** Records an attempt's result, if `owner` still holds the delivery; answers whether it did. */
  finish(id: Id, owner: string, result: AttemptResult): Promise<boolean>;
  /** Makes a delivery due again at `nowMs`, with retries until `giveUpAfterMs`; false if unknown. */
  redeliver(id: Id, nowMs: number, giveUpAfterMs: number): Promise<boolean>;
  get(id: Id): Promise<WebhookDelivery | undefined>;
  /** The newest deliveries first, at most `limit`. */
  list(filter: DeliveryFilter, limit: number): Promise<readonly WebhookDelivery[]>;
}
