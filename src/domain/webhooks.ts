/**
 * @module
 * Webhooks in Meta's own style (see docs/webhooks.md): an integration subscribes a callback URL
 * to an object and some of its fields, as with Graph's `/{app-id}/subscriptions`; each event
 * becomes one delivery per subscription, kept in the store until the receiver took it.
 *
 * Glossary
 * - **Subscription**: one integration's callback URL for one object (`work_dyi_job`) and the
 *   fields it wants; active once the receiver answered Meta's GET handshake.
 * - **Event**: something that happened to an object (an export ended; one of its jobs ended),
 *   recorded in the same transaction as the change that caused it.
 * - **Delivery**: one event's POST to one subscription, with its attempts, next attempt time
 *   and what the receiver last answered (the delivery log).
 */
import type { Id } from './types.js';

/** The one object a subscription may name: the export (`work_dyi_job`, as in the Graph API). */
export const WEBHOOK_OBJECTS = ['work_dyi_job'] as const;
export type WebhookObject = (typeof WEBHOOK_OBJECTS)[number];

/**
 * Fields of `work_dyi_job` a subscription may want: `is_completed` (the export ended:
 * completed, aborted or failed) and `job_state` (each of its jobs ended; opt-in, since an
 * export may have 100,000 jobs).
 */
export const WEBHOOK_FIELDS = ['is_completed', 'job_state'] as const;
export type WebhookField = (typeof WEBHOOK_FIELDS)[number];

export interface WebhookSubscription {
  readonly id: Id;
  readonly integrationId: Id;
  readonly communityId: Id;
  readonly object: WebhookObject;
  readonly callbackUrl: string;
  readonly fields: readonly WebhookField[];
  /** What the handshake sends as `hub.verify_token` (the receiver's to check, not a secret of ours). */
  readonly verifyToken: string;
  /** The receiver echoed the handshake's challenge. */
  readonly active: boolean;
  /** Unix milliseconds. */
  readonly createTimeMs: number;
}

/**
 * `pending`: waits for its next attempt; `sending`: a deliverer holds it until `leaseUntilMs`
 * (taken again after that, if that deliverer died); `delivered`: the receiver answered 2xx;
 * `failed`: retries ran out (an admin may redeliver it).
 */
export const DELIVERY_STATES = ['pending', 'sending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface WebhookDelivery {
  readonly id: Id;
  readonly subscriptionId: Id;
  readonly integrationId: Id;
  readonly communityId: Id;
  /** What happened, unique per subscription: `is_completed:<export id>`, `job_state:<job id>`. */
  readonly eventKey: string;
  readonly callbackUrl: string;
  /** The exact JSON body every attempt sends (and signs). */
  readonly body: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly createTimeMs: number;
  readonly nextAttemptMs: number;
  /** Retries stop after this (the retry window ran out); a redeliver moves it. */
  readonly giveUpAfterMs: number;
  readonly lastAttemptMs: number | null;
  /** The receiver's HTTP status of the last attempt; null if it gave none. */
  readonly lastStatus: number | null;
  /** Milliseconds the last attempt took. */
  readonly lastLatencyMs: number | null;
  /** Why the last attempt failed; null when it succeeded or none ran yet. */
  readonly lastError: string | null;
  readonly deliveredTimeMs: number | null;
}

/** One event the store recorded with the change that caused it, waiting to become deliveries. */
export interface WebhookEvent {
  readonly id: Id;
  readonly communityId: Id;
  readonly exportId: Id;
  /** The job that ended, for `job_state`; null for `is_completed`. */
  readonly jobId: Id | null;
  readonly field: WebhookField;
  /** Unix seconds: when the change happened. */
  readonly time: number;
}
