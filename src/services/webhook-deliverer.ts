/**
 * @module
 * The loop that sends webhooks, run by `dyi serve` and `dyi worker` (any number of processes
 * on one database): it turns recorded events into deliveries, takes the due ones under a lease
 * (so no two processes send one delivery at once, and one whose process died is sent again),
 * sends at most `concurrency` at a time, and records each attempt in the delivery log. It runs
 * beside the API and the engine, never on their path: a slow or dead receiver holds only one
 * of its own slots, for at most the request timeout.
 *
 * Retries: exponential backoff with full jitter (a random wait between 0 and
 * min(maxDelay, base × 2^(attempt − 1))), until the delivery's retry window ends; then it ends
 * `failed`, and an admin may redeliver it.
 */
import { randomUUID } from 'node:crypto';
import type { WebhookDelivery } from '../domain/index.js';
import type { Clock } from '../ports/clock.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { AttemptResult } from '../ports/webhook-repositories.js';
import type { WebhookSender } from './webhook-sender.js';
import type { WebhookService } from './webhook-service.js';

export interface DelivererOptions {
  readonly concurrency: number;
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxDelayMs: number;
  /** Draws in [0, 1); tests may fix it. */
  readonly random?: () => number;
}

/** What the loop reports: each attempt, and failures of the loop itself. */
export interface DelivererEvents {
  attempt?(delivery: WebhookDelivery, result: AttemptResult): void;
  error?(error: unknown): void;
}

/** The wait before the attempt after `attempts` failed ones (full jitter). */
export function retryDelayMs(
  attempts: number,
  options: Pick<DelivererOptions, 'retryBaseMs' | 'retryMaxDelayMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(
    options.retryMaxDelayMs,
    options.retryBaseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40),
  );
  return Math.floor(random() * ceiling);
}

export class WebhookDeliverer {
  readonly #store: MetadataStore;
  readonly #service: WebhookService;
  readonly #sender: WebhookSender;
  readonly #clock: Clock;
  readonly #options: DelivererOptions;
  readonly #events: DelivererEvents;
  readonly #owner = `deliverer-${randomUUID()}`;
  readonly #inFlight = new Set<Promise<void>>();
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(
    parts: {
      store: MetadataStore;
      service: WebhookService;
      sender: WebhookSender;
      clock: Clock;
    },
    options: DelivererOptions,
    events: DelivererEvents = {},
  ) {
    this.#store = parts.store;
    this.#service = parts.service;
    this.#sender = parts.sender;
    this.#clock = parts.clock;
    this.#options = Object.freeze({ ...options });
    this.#events = events;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops taking deliveries and waits for the ones being sent (each ends by its timeout). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let took = 0;
      try {
        await this.#service.fanOutEvents();
        took = await this.#takeDue();
      } catch (error) {
        this.#events.error?.(error);
      }
      // Full slots or nothing due: wait for a slot to free, or for the next poll.
      if (took === 0 || this.#inFlight.size >= this.#options.concurrency) await this.#pause();
    }
  }

  async #takeDue(): Promise<number> {
    const free = this.#options.concurrency - this.#inFlight.size;
    if (free <= 0) return 0;
    const now = this.#clock.now();
    // The lease outlasts the request's timeout, so only a dead process loses it.
    const leaseUntil = now + this.#options.timeoutMs + 30_000;
    const taken = await this.#store.webhookDeliveries.claim(this.#owner, now, leaseUntil, free);
    for (const delivery of taken) {
      const sending = this.#deliver(delivery).finally(() => {
        this.#inFlight.delete(sending);
        this.#wake?.();
      });
      this.#inFlight.add(sending);
    }
    return taken.length;
  }

  #pause(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.#options.pollMs);
      timer.unref?.();
      this.#wake = done;
    });
  }

  async #deliver(delivery: WebhookDelivery): Promise<void> {
    try {
      const integration = await this.#store.integrations.get(delivery.integrationId);
      const answer = integration
        ? await this.#sender.post(delivery.callbackUrl, delivery.body, integration.appSecret)
        : { status: null, latencyMs: 0, error: 'the integration was deleted', body: '' };
      const now = this.#clock.now();
      const delivered = answer.status !== null && answer.status >= 200 && answer.status < 300;
      const error =
        answer.error ??
        (delivered ? null : `the receiver answered HTTP ${answer.status ?? 'nothing'}`);
      const random = this.#options.random ?? Math.random;
      const next = now + retryDelayMs(delivery.attempts, this.#options, random);
      const result: AttemptResult = {
        timeMs: now,
        status: answer.status,
        latencyMs: answer.latencyMs,
        error,
        delivered,
        nextAttemptMs:
          delivered || !integration || now >= delivery.giveUpAfterMs
            ? null
            : Math.min(next, delivery.giveUpAfterMs),
      };
      await this.#store.webhookDeliveries.finish(delivery.id, this.#owner, result);
      this.#events.attempt?.(delivery, result);
    } catch (error) {
      this.#events.error?.(error);
    }
  }
}
