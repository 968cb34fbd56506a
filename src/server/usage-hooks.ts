/**
 * @module
 * Rate limits and usage headers on the request path: admitting a Graph call (its usage headers
 * set, then refused or let through), and charging a read that resolved more than one call's
 * objects, its headers set again from the totals after. With the in-memory usage counters both
 * run synchronously; with a shared store, each waits for its one round trip.
 */
import type { FastifyReply } from 'fastify';
import type { Principal } from '../domain/index.js';
import type { UsageAdmission, UsageLedger } from '../graph/usage-ledger.js';
import { UsageHeaderTexts } from '../graph/usage-header-texts.js';

/** One for the process: the texts are a function of their figures alone. */
const headerTexts = new UsageHeaderTexts();

/**
 * Counts a call of `principal`, sets the usage headers, and calls `done` with the refusal
 * when a budget is spent (the headers still say how spent).
 */
export function admitCall(
  usage: UsageLedger,
  principal: Principal,
  reply: FastifyReply,
  done: (error?: Error) => void,
): void {
  let admission: UsageAdmission | Promise<UsageAdmission>;
  try {
    admission = usage.admit(principal);
  } catch (error) {
    done(error as Error);
    return;
  }
  // A closure only for a store that answers later: most calls are admitted at once.
  if (admission instanceof Promise) {
    admission.then((settled) => {
      admitted(reply, principal, settled, done);
    }, done);
  } else {
    admitted(reply, principal, admission, done);
  }
}

function admitted(
  reply: FastifyReply,
  principal: Principal,
  admission: UsageAdmission,
  done: (error?: Error) => void,
): void {
  setUsageHeaders(reply, principal, admission);
  done(admission.refusal);
}

/** Sets the usage headers of an answer from its call's standing. */
function setUsageHeaders(
  reply: FastifyReply,
  principal: Principal,
  admission: UsageAdmission,
): void {
  reply.header('x-app-usage', headerTexts.appUsage(admission.token));
  reply.header(
    'x-business-use-case-usage',
    headerTexts.businessUseCaseUsage(
      principal.communityId,
      admission.community,
      regainMinutes(admission),
    ),
  );
}

/**
 * Charges a read's extra calls and sets the usage headers from the totals after it; `then` is
 * told of a failure (the answer keeps the headers set when the call was admitted).
 */
export function chargeRead(
  usage: UsageLedger,
  principal: Principal,
  extra: number,
  reply: FastifyReply,
  then: (error?: unknown) => void,
): void {
  let charged: UsageAdmission | Promise<UsageAdmission>;
  try {
    charged = usage.charge(principal, extra);
  } catch (error) {
    then(error);
    return;
  }
  if (charged instanceof Promise) {
    charged.then((admission) => {
      setUsageHeaders(reply, principal, admission);
      then();
    }, then);
  } else {
    setUsageHeaders(reply, principal, charged);
    then();
  }
}

/** Minutes until the community may call (or create exports) again; 0 when not throttled. */
function regainMinutes(admission: UsageAdmission): number {
  const { community, exportsCreated } = admission;
  const wait = Math.max(
    // Spent, whether by this call's refusal or by an expensive read charged after it.
    community.callCount >= 100 ? community.secondsToReset : 0,
    exportsCreated.callCount >= 100 ? exportsCreated.secondsToReset : 0,
  );
  return Math.ceil(wait / 60);
}
