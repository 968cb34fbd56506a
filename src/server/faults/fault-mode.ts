/**
 * @module
 * Fault mode (`dyi serve --faults PROFILE`): hooks that make the Graph API and the download
 * URLs misbehave the way Meta's servers do, at the profile's rates, so that client developers
 * can test their retries. Faults are injected here, at the HTTP layer, never in the services:
 * - `onRequest` (every faulted request): added latency; and for download URLs the error
 *   faults (transient, expired) and the choice of a cut or a stall;
 * - `afterAuthentication` (a preHandler the Graph routes run after the token is known, so a
 *   bad token still gets its own error): rate limits, transient errors, pages to retry;
 * - `onSend` (download URLs): the body wrapped to be cut or stalled (`broken-body.ts`).
 * The admin panel, batch requests and their items are never faulted. Without `--faults`,
 * none of this is installed.
 */
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import type { Readable, Transform } from 'node:stream';
import type { GraphErrorResponse } from '../../graph/graph-error.js';
import { ADMIN_PREFIX } from '../admin/admin-panel.js';
import { isBatchItem } from '../batch.js';
import { DOWNLOAD_ROUTE_PREFIX } from '../download-route.js';
import { isOperatorRoute } from '../operator-routes.js';
import { type BodyFault, breakBody } from './broken-body.js';
import {
  expiredAnswer,
  pageRetryAnswer,
  RATE_LIMIT_CODES,
  rateLimitAnswer,
  transientAnswer,
} from './fault-answers.js';
import { FaultDice } from './fault-dice.js';
import type { FaultProfile } from './fault-profile.js';

export interface FaultModeOptions {
  readonly profile: FaultProfile;
  /** Same seed, same requests: same faults (see `fault-dice.ts`). */
  readonly seed: number;
}

/** A fault chosen for a request, kept until the hook that injects it runs. */
type Planned =
  | { readonly kind: 'rate_limit' | 'transient' | 'page_retry'; readonly pick: number }
  | { readonly kind: 'cut' | 'stall'; readonly at: number };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by fault mode's onRequest hook for a request it will fault later. */
    plannedFault?: Planned;
  }
}

export interface FaultMode {
  /** For the Graph routes' scope, after their authentication hook. */
  readonly afterAuthentication: (
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ) => void;
}

/** Installs the app-wide hooks; the Graph routes add `afterAuthentication` to their own. */
export function installFaultMode(app: FastifyInstance, options: FaultModeOptions): FaultMode {
  const { profile } = options;
  const dice = new FaultDice(options.seed);
  const stalls = new Set<Transform>();

  app.addHook('onRequest', (request, reply, done) => {
    const kind = faultedKind(request);
    if (kind === undefined) {
      done();
      return;
    }
    const [slowRoll = 1, faultRoll = 1, pick = 0, latencyRoll = 0] = dice.roll(
      request.method,
      request.url,
      4,
    );
    const planned =
      kind === 'graph'
        ? graphFault(profile, request, faultRoll, pick)
        : downloadFault(profile, request, faultRoll, pick, reply);
    if (planned === 'answered') return;
    request.plannedFault = planned;
    if (slowRoll >= profile.slow) {
      done();
      return;
    }
    const ms = Math.round(profile.slow_ms * (0.5 + latencyRoll / 2));
    injected(request, 'slow', `${ms} ms`);
    setTimeout(done, ms);
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const planned = request.plannedFault;
    if (
      (planned?.kind !== 'cut' && planned?.kind !== 'stall') ||
      !isStream(payload) ||
      (reply.statusCode !== 200 && reply.statusCode !== 206)
    ) {
      done(null, payload);
      return;
    }
    const length = Number(reply.getHeader('content-length'));
    const afterBytes = Math.floor(planned.at * (Number.isFinite(length) ? length : 0));
    const fault: BodyFault =
      planned.kind === 'cut'
        ? { kind: 'cut', afterBytes }
        : { kind: 'stall', afterBytes, stallMs: profile.stall_ms };
    injected(request, planned.kind, `after ${afterBytes} of ${length} bytes`);
    done(null, breakBody(payload, fault, stalls));
  });

  // Stalls would hold the server's close for their whole length.
  app.addHook('preClose', (done) => {
    for (const stall of stalls) stall.destroy();
    done();
  });

  return { afterAuthentication: graphErrorHook(profile) };
}

/** Answers a Graph call with the error fault its onRequest planned, once its token is known. */
function graphErrorHook(profile: FaultProfile): FaultMode['afterAuthentication'] {
  return (request, reply, done) => {
    const planned = request.plannedFault;
    const { principal } = request;
    if (planned === undefined || !('pick' in planned) || !principal) {
      done();
      return;
    }
    let answer: GraphErrorResponse;
    if (planned.kind === 'rate_limit') {
      const code = RATE_LIMIT_CODES[Math.floor(planned.pick * RATE_LIMIT_CODES.length)] ?? 4;
      answer = rateLimitAnswer(code, principal.communityId, profile.retry_after_s, request.id);
    } else if (planned.kind === 'transient') {
      answer = transientAnswer(planned.pick < 0.5 ? 503 : 500, request.id);
    } else {
      answer = pageRetryAnswer(planned.pick < 0.5, request.id);
    }
    injected(request, planned.kind, `code ${answer.body.error.code}`);
    void reply.code(answer.status).headers(answer.headers).send(answer.body);
  };
}

/** `graph`, `download`, or undefined for what is never faulted (the panel, batches, probes). */
function faultedKind(request: FastifyRequest): 'graph' | 'download' | undefined {
  const path = request.url.split('?')[0] ?? '';
  if (isOperatorRoute(request)) return undefined;
  if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) return undefined;
  if (path.startsWith(DOWNLOAD_ROUTE_PREFIX)) return 'download';
  if (isBatchItem(request) || (path === '/' && request.method === 'POST')) return undefined;
  return 'graph';
}

/** The error fault of a Graph call, injected once its token is known. */
function graphFault(
  profile: FaultProfile,
  request: FastifyRequest,
  roll: number,
  pick: number,
): Planned | undefined {
  const kind = chosen(roll, [
    ['rate_limit', profile.rate_limit],
    ['transient', profile.transient],
    ['page_retry', isPageOfList(request.url) ? profile.page_retry : 0],
  ]);
  return kind === undefined ? undefined : { kind, pick };
}

/** The fault of a download: errors answered at once, cuts and stalls planned for the body. */
function downloadFault(
  profile: FaultProfile,
  request: FastifyRequest,
  roll: number,
  pick: number,
  reply: FastifyReply,
): Planned | undefined | 'answered' {
  const hasBody = request.method === 'GET';
  const kind = chosen(roll, [
    ['transient', profile.transient],
    ['expired', profile.expired],
    ['cut', hasBody ? profile.cut : 0],
    ['stall', hasBody ? profile.stall : 0],
  ]);
  if (kind === 'cut' || kind === 'stall') return { kind, at: pick };
  if (kind === undefined) return undefined;
  const answer =
    kind === 'expired'
      ? expiredAnswer(Date.now(), request.id)
      : transientAnswer(pick < 0.5 ? 503 : 500, request.id);
  injected(request, kind, `code ${answer.body.error.code}`);
  void reply.code(answer.status).headers(answer.headers).send(answer.body);
  return 'answered';
}

/** The fault whose share of [0, 1) the roll falls in, or undefined past them all. */
function chosen<K extends string>(
  roll: number,
  rates: readonly (readonly [K, number])[],
): K | undefined {
  let upTo = 0;
  for (const [kind, rate] of rates) {
    upTo += rate;
    if (roll < upTo) return kind;
  }
  return undefined;
}

/** A page of a list edge (`/{id}/files`, `/community/work_dyi_jobs`), or a later page. */
function isPageOfList(url: string): boolean {
  const [path = '', query = ''] = url.split('?');
  return path.split('/').filter(Boolean).length >= 2 || /(?:^|&)(?:after|before)=/.test(query);
}

function isStream(payload: unknown): payload is Readable {
  return typeof (payload as Readable | null)?.pipe === 'function';
}

function injected(request: FastifyRequest, fault: string, detail: string): void {
  request.log.info({ fault }, `Fault mode injected ${fault} (${detail})`);
}
