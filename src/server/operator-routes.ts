/**
 * @module
 * The endpoints of load balancers, orchestrators and Prometheus, outside the Graph API:
 * `GET /healthz` (the process answers), `GET /readyz` (it can serve: one line per check, 503
 * when one fails) and `GET /metrics` (Prometheus text format). None takes a Graph token, and
 * none says more than `ok` or `fail` unless `DYI_HEALTH_DETAIL` allows the reasons.
 *
 * They share paths with Graph objects (`/{id}`): a Graph client may well ask for an object
 * named `healthz`. So these routes carry a router constraint that only an operator's request
 * meets: no version prefix (`/v22.0/healthz` is the Graph API's), no access token (in the
 * query or `Authorization`), and not an item of a Graph batch. Every other request with these
 * paths goes on to the Graph routes as it did before.
 */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { ProcessMetrics } from '../adapters/prometheus/process-metrics.js';
import type { JobRepository } from '../ports/metadata-store.js';
import type { ReadinessChecks } from '../services/readiness-checks.js';
import { isBatchItemMessage } from './batch.js';
import { isVersioned } from './graph-request.js';
import { routeUrl } from './route-url.js';

export interface OperatorEndpoints {
  readonly readiness: ReadinessChecks;
  /** Whether `/readyz` says why a check failed (`DYI_HEALTH_DETAIL`). */
  readonly detail: boolean;
  readonly metrics: ProcessMetrics;
  /** Where the queue's depth is read (`dyi_queue_jobs`). */
  readonly jobs: Pick<JobRepository, 'countUnfinished'>;
  /**
   * Who may read `/metrics`: anyone who reaches the listener (the separate metrics port), only
   * requests presenting this bearer secret (`DYI_METRICS_TOKEN` on the API's port), or nobody
   * (undefined: the path stays the Graph API's).
   */
  readonly metricsAccess: { readonly open: true } | { readonly bearer: string } | undefined;
}

/** Fastify's type of a router constraint (find-my-way's), as its options take it. */
type ConstraintStrategy = NonNullable<
  NonNullable<FastifyServerOptions['routerOptions']>['constraints']
>[string];
type Handler = NonNullable<ReturnType<ReturnType<ConstraintStrategy['storage']>['get']>>;

/** Router constraint name and the value an operator's request derives. */
const CONSTRAINT = 'dyiOperator';
const OPERATOR = 'yes';
const TOKEN_IN_QUERY = /[?&]access_token=/;

/**
 * The router constraint to pass in Fastify's `routerOptions.constraints`: requests that are
 * not an operator's derive nothing, and routing goes on to the Graph routes. An
 * `Authorization` header makes a request a Graph client's, except the metrics secret sent to
 * `/metrics` (`metricsSecret`, when `/metrics` on this port takes one).
 */
export function operatorConstraint(metricsSecret: string | undefined): ConstraintStrategy {
  return {
    name: CONSTRAINT,
    storage() {
      const handlers = new Map<string, Handler>();
      return {
        get: (value: string) => handlers.get(value) ?? null,
        set: (value: string, handler: Handler) => void handlers.set(value, handler),
      };
    },
    validate(value: unknown) {
      if (value !== OPERATOR) throw new Error(`${CONSTRAINT} takes only '${OPERATOR}'`);
    },
    deriveConstraint(request: IncomingMessage): string {
      const url = request.url ?? '/';
      const authorization = request.headers.authorization;
      const isOperator =
        !isVersioned(request) &&
        !isBatchItemMessage(request.headers) &&
        !TOKEN_IN_QUERY.test(url) &&
        (authorization === undefined ||
          (metricsSecret !== undefined &&
            url.split('?')[0] === '/metrics' &&
            presentsSecret(authorization, metricsSecret)));
      return isOperator ? OPERATOR : 'graph';
    },
    mustMatchWhenDerived: false,
  };
}

/** Route patterns of these endpoints (the metrics' `route` label, the Graph hooks' skip list). */
export const OPERATOR_ROUTES = ['/healthz', '/readyz', '/metrics'] as const;

/** True for a request these routes answer (not a Graph request for an object of that name). */
export function isOperatorRoute(request: FastifyRequest): boolean {
  return (OPERATOR_ROUTES as readonly (string | undefined)[]).includes(routeUrl(request));
}

export function registerOperatorRoutes(app: FastifyInstance, endpoints: OperatorEndpoints): void {
  const constraints = { [CONSTRAINT]: OPERATOR };
  app.get('/healthz', { constraints }, (_request, reply) => plain(reply, 200, 'ok\n'));
  app.get('/readyz', { constraints }, async (_request, reply) => {
    const results = await endpoints.readiness.run();
    const lines = results.map(
      (result) =>
        `${result.name} ${result.ok ? 'ok' : 'fail'}${
          !result.ok && endpoints.detail && result.detail !== undefined
            ? `: ${oneLine(result.detail)}`
            : ''
        }\n`,
    );
    return plain(reply, results.every((result) => result.ok) ? 200 : 503, lines.join(''));
  });
  const access = endpoints.metricsAccess;
  if (access === undefined) return;
  endpoints.metrics.collectNodeMetrics();
  endpoints.metrics.watchQueue(() => endpoints.jobs.countUnfinished());
  app.get('/metrics', { constraints }, async (request, reply) => {
    if ('bearer' in access && !presentsSecret(request.headers.authorization, access.bearer)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return plain(reply, 401, 'Send the metrics secret (DYI_METRICS_TOKEN) as a bearer token.\n');
    }
    const text = await endpoints.metrics.render();
    return reply.code(200).type(endpoints.metrics.contentType).send(text);
  });
}

/** Whether an `Authorization` header is `Bearer <secret>`, compared in constant time. */
function presentsSecret(authorization: string | undefined, secret: string): boolean {
  const match = /^Bearer (\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1]);
  const wanted = Buffer.from(secret);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function plain(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/plain; charset=utf-8')
    .send(text);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/**
 * The listener of the metrics port (`DYI_METRICS_PORT`): these routes alone, `/metrics` open
 * to whoever reaches it (bind it where only Prometheus does). `dyi serve` and `dyi worker`
 * start one when the port is set.
 */
export function buildOperatorApp(
  endpoints: Omit<OperatorEndpoints, 'metricsAccess'>,
): FastifyInstance {
  const app = Fastify({
    logger: false,
    routerOptions: { constraints: { [CONSTRAINT]: operatorConstraint(undefined) } },
  });
  registerOperatorRoutes(app, { ...endpoints, metricsAccess: { open: true } });
  return app;
}
