/**
 * @module
 * Builds the Fastify application: Graph routes, signed downloads, the admin panel (`/admin`,
 * see `admin/admin-panel.ts`), and the wire conventions
 * every response follows (version and trace headers, usage headers, the error envelope,
 * `suppress_http_code`). Built by a function and never listening on import: `dyi serve`
 * listens, tests `inject()`.
 */
import formbody from '@fastify/formbody';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import {
  type Principal,
  TooMuchDataError,
  TransientError,
  UnknownPathError,
  ValidationError,
} from '../domain/index.js';
import { toGraphError } from '../graph/graph-error.js';
import { graphJson } from '../graph/graph-json.js';
import { AnswerMemo } from './answer-memo.js';
import { UsageLedger } from '../graph/usage-ledger.js';
import type { ProcessMetrics } from '../adapters/prometheus/process-metrics.js';
import type { Runtime } from '../runtime.js';
import { ADMIN_PREFIX, registerAdminPanel } from './admin/admin-panel.js';
import { PANEL_PAGES } from './admin/panel-pages.js';
import { DOWNLOAD_ROUTE_PREFIX, registerDownloadRoute } from './download-route.js';
import { isBatchItem } from './batch.js';
import { clientErrorHandler } from './client-error.js';
import { registerGraphRoutes } from './graph-routes.js';
import { registerDeploymentRoute } from './deployment-route.js';
import { type FaultMode, type FaultModeOptions, installFaultMode } from './faults/fault-mode.js';
import { newTraceId } from './trace-id.js';
import { ReadinessChecks } from '../services/readiness-checks.js';
import { isOperatorRoute, operatorConstraint, registerOperatorRoutes } from './operator-routes.js';
import { keepingQueryParser } from './query-parser.js';
import { admitCall, chargeRead } from './usage-hooks.js';
import { routeUrl } from './route-url.js';
import { TextLogStream } from './text-log-stream.js';
import {
  effectiveMethod,
  graphParams,
  normalizeVersion,
  presentedCredentials,
  requestedVersion,
  stringParam,
  stripVersionPrefix,
} from './graph-request.js';

export interface AppOptions {
  /** Log requests (pino to stdout) at the configured level; off in tests. */
  readonly logger?: boolean;
  /** Where log lines go when logging (default stdout); tests read them from here. */
  readonly logStream?: NodeJS.WritableStream;
  /** JSON lines (the default), or short lines of text for a terminal (`text-log-stream.ts`). */
  readonly logFormat?: 'json' | 'text';
  /** Fault mode (`dyi serve --faults`): absent, no fault hook is installed. */
  readonly faults?: FaultModeOptions;
  /**
   * The checks of `/readyz`; absent: the runtime's stores and the data dir's disk, without a
   * worker check (`dyi serve` adds its pool's).
   */
  readonly readiness?: ReadinessChecks;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on Graph routes. */
    principal?: Principal;
  }
}

/** Query parameters that must never reach a log line. */
// `reveal`: the key of a secret waiting for its one-time panel page (one-time-reveals.ts).
const SECRET_PARAMS = /([?&](?:access_token|appsecret_proof|signature|reveal)=)[^&]*/g;

/** Largest request body, in bytes (a user_ids list of 100,000 ids fits). */
const BODY_LIMIT = 4 * 1024 * 1024;

/** Longest path segment routed; longer ones are refused before routing. */
const MAX_PATH_SEGMENT = 2048;

/** How often a closing server closes the connections that went idle, in milliseconds. */
const IDLE_SWEEP_MS = 50;

/** How often process CPU time is shared out among tokens for X-App-Usage, in milliseconds. */
const CPU_SAMPLE_MS = 1000;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}

export async function buildApp(
  runtime: Runtime,
  options: AppOptions = {},
): Promise<FastifyInstance> {
  const { config, clock, metrics } = runtime;
  const out = options.logStream ?? process.stdout;
  const faultsName = options.faults?.profile.name;
  const app: FastifyInstance = Fastify({
    logger: options.logger
      ? {
          level: config.logLevel,
          stream:
            options.logFormat === 'text'
              ? new TextLogStream(out, {
                  showRequests: config.logLevel === 'debug' || config.logLevel === 'trace',
                })
              : out,
          serializers: {
            req: (req: FastifyRequest) => ({ method: req.method, url: redactUrl(req.url) }),
          },
          // In fault mode every line says so: nobody should mistake injected faults for real ones.
          ...(faultsName !== undefined && { mixin: () => ({ faults: faultsName }) }),
        }
      : false,
    genReqId: newTraceId,
    // Each request's log lines carry the id its answer gives as `fbtrace_id` and
    // `x-fb-trace-id`, under the same name: a user's error report leads to its lines.
    logController: new LogController({ requestIdLogLabel: 'fbtrace_id' }),
    rewriteUrl: stripVersionPrefix,
    bodyLimit: BODY_LIMIT,
    // Graph ids and edges are plain path segments; keep `/123/` working like `/123`.
    // An over-long id is an unknown id (code 100), not a framework 414.
    routerOptions: {
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      maxParamLength: MAX_PATH_SEGMENT,
      // `/healthz`, `/readyz` and `/metrics` for operators, the same paths for Graph clients.
      constraints: { dyiOperator: operatorConstraint(config.metricsToken) },
      // Fastify's parser, with the results of query strings asked again kept.
      querystringParser: keepingQueryParser(),
    },
    // Malformed URLs never reach a route; answer them in the Graph envelope too.
    // (Fastify's own message would echo the URL, and with it any access token.)
    frameworkErrors: (error, request, reply) => {
      const tooLong = 'code' in error && error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      metrics.graphErrors.inc({ code: 100 });
      const mapped = toGraphError(
        new ValidationError(
          'path',
          tooLong
            ? `A path segment is longer than ${MAX_PATH_SEGMENT} characters; no id is that long.`
            : 'The URL is malformed: every % in the path must start a %XX escape of two hex digits.',
        ),
        request.id,
      );
      void (reply as FastifyReply)
        .code(mapped.status)
        .headers({
          'facebook-api-version': config.graphVersion,
          'x-fb-trace-id': request.id,
        })
        .send(mapped.body);
    },
    // Only the admin panel's sign-in counters use the client address (request.ip).
    trustProxy: config.trustProxy === '' ? false : config.trustProxy,
    // Requests that arrive while the server closes get code 2 from the onRequest hook below
    // instead of Fastify's own 503 body.
    return503OnClosing: false,
    // Requests the HTTP parser refuses (over 16 kB of headers, not HTTP) get an envelope too.
    clientErrorHandler: clientErrorHandler(config.graphVersion, () => app.log),
  });
  await app.register(formbody);

  const usage = new UsageLedger({
    counters: runtime.usageCounters,
    clock,
    limits: {
      tokenCalls: config.rateLimitCalls,
      communityCalls: config.communityRateLimitCalls,
      exportsCreated: config.createExportLimit,
      windowSeconds: config.rateLimitWindowSeconds,
    },
    onWriteError: (error) => app.log.warn({ err: error }, 'usage time not written'),
  });

  let closing = false;
  let idleSweep: NodeJS.Timeout | undefined;
  app.addHook('preClose', (done) => {
    closing = true;
    // Fastify closes the connections idle when the close starts; one whose request finishes
    // later stays open on the client's keep-alive and would hold the close until the
    // shutdown timeout. A request already waiting on it is answered first (code 2, below).
    idleSweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
    idleSweep.unref();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    clearInterval(idleSweep);
    done();
  });

  // One onSend hook does what every answer needs; fewer hooks, less work per request.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-fb-trace-id', request.id);
    // Probes say nothing about the software, its version included.
    if (isOperatorRoute(request)) {
      done(null, payload);
      return;
    }
    const version = requestedVersion(request);
    reply.header('facebook-api-version', version ? normalizeVersion(version) : config.graphVersion);
    // suppress_http_code is a Graph convention: a download keeps its 206, 304 or 416.
    if (
      suppressesHttpCode(request) &&
      !(routeUrl(request)?.startsWith(DOWNLOAD_ROUTE_PREFIX) ?? false)
    ) {
      reply.code(200);
    }
    const { principal } = request;
    if (principal) {
      usage.addTime(principal.tokenId, reply.elapsedTime);
      // A read admitted as one call pays for what it resolved (graphObjectsPerCall objects a call).
      const extra = (request.graphBudget?.calls ?? 1) - 1;
      if (extra > 0) {
        chargeRead(usage, principal, extra, reply, (error) => {
          if (error !== undefined) request.log.warn({ err: error }, 'read not charged');
          done(null, payload);
        });
        return;
      }
    }
    done(null, payload);
  });

  // Two different suppress_http_code values are refused here, where the error handler answers
  // them; onSend must not throw, since an error there skips our handler for Fastify's own body.
  app.addHook('onRequest', (request, reply, done) => {
    if (closing) {
      // Still on a kept-alive connection; Fastify adds Connection: close to the answer.
      done(new TransientError('The server is shutting down; send the request again.'));
      return;
    }
    // A batch item is a Graph call: the admin panel and the download route are not the Graph
    // API (an item would get the panel's redirect, with the batch's token in it). Answered
    // here, since the panel's own error handler would answer in HTML.
    if (isBatchItem(request) && !isGraphRoute(request)) {
      const mapped = toGraphError(
        new UnknownPathError(new URL(request.url, 'http://x').pathname),
        request.id,
      );
      countGraphError(metrics, mapped.body.error.code);
      void reply.code(mapped.status).send(mapped.body);
      return;
    }
    try {
      stringParam(request.query as Record<string, unknown>, 'suppress_http_code');
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  // After the hooks above: a closing server and a batch item's refusal are not faults.
  const faultMode: FaultMode | undefined = options.faults
    ? installFaultMode(app, options.faults)
    : undefined;

  let cpuMark = process.cpuUsage();
  const cpuSampler = setInterval(() => {
    const used = process.cpuUsage(cpuMark);
    cpuMark = process.cpuUsage();
    usage.chargeCpu((used.user + used.system) / 1000);
  }, CPU_SAMPLE_MS);
  cpuSampler.unref();
  app.addHook('onClose', (_instance, done) => {
    clearInterval(cpuSampler);
    done();
  });

  // The route label is the route's pattern (`/:id`), never the URL: its values stay few.
  app.addHook('onResponse', (request, reply, done) => {
    const route = routeUrl(request) ?? 'unmatched';
    metrics.countRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler(async (error, request, reply) => {
    const mapped = toGraphError(error, request.id);
    countGraphError(metrics, mapped.body.error.code);
    if (mapped.unexpected) request.log.error({ err: error }, 'unexpected error');
    else {
      const detail = error instanceof TooMuchDataError ? { detail: error.detail } : {};
      request.log.info({ code: mapped.body.error.code, ...detail }, mapped.body.error.message);
    }
    return reply.code(mapped.status).headers(mapped.headers).send(mapped.body);
  });

  app.setNotFoundHandler((request, reply) => {
    reply.send(new UnknownPathError(new URL(request.url, 'http://x').pathname));
  });

  await registerAdminPanel(app, runtime, PANEL_PAGES);

  registerDeploymentRoute(app, runtime.deploymentId);
  registerOperatorRoutes(app, {
    readiness:
      options.readiness ??
      new ReadinessChecks({
        metadata: runtime.metadata,
        blobs: runtime.blobs,
        dataDir: config.dataDir,
        minFreeBytes: config.readyMinFreeBytes,
      }),
    detail: config.healthDetail,
    metrics,
    jobs: runtime.metadata.jobs,
    metricsAccess: config.metricsToken === undefined ? undefined : { bearer: config.metricsToken },
  });

  registerDownloadRoute(app, {
    files: runtime.metadata.files,
    blobs: runtime.blobs,
    signer: runtime.downloads,
    audit: runtime.audit,
    metrics,
  });

  await app.register((graph, _options, done) => {
    // Resolved nodes are written by the writers compiled per selection; the bytes are those of
    // JSON.stringify (graph-json.ts).
    graph.setReplySerializer((payload) => graphJson(payload) as string);
    const admit = (
      request: FastifyRequest,
      reply: FastifyReply,
      principal: Principal,
      done: (error?: Error) => void,
    ): void => {
      request.principal = principal;
      admitCall(usage, principal, reply, done);
    };
    // Callback style, not async: a known token authenticates synchronously, and most requests
    // then pass this hook without a promise.
    graph.addHook('preHandler', (request, reply, done) => {
      const params = graphParams(request);
      // The Batch API (POST / with batch) authenticates each item itself.
      const isBatch =
        params.batch !== undefined &&
        request.url.split('?')[0] === '/' &&
        effectiveMethod(request, params) === 'POST';
      if (isBatch) {
        done();
        return;
      }
      let authenticated: Principal | Promise<Principal>;
      try {
        authenticated = runtime.access.authenticate(presentedCredentials(request, params));
      } catch (error) {
        done(error as Error);
        return;
      }
      // A closure only for a token the store must look up: a known one is answered at once.
      if (authenticated instanceof Promise) {
        authenticated.then((principal) => {
          admit(request, reply, principal, done);
        }, done);
      } else {
        admit(request, reply, authenticated, done);
      }
    });
    if (faultMode) graph.addHook('preHandler', faultMode.afterAuthentication);
    registerGraphRoutes(graph, {
      runtime,
      principalOf: (request) => {
        if (!request.principal) throw new Error('Graph route reached without authentication');
        return request.principal;
      },
      usage,
      answers:
        // Only where the store's own reads already follow the change mark: with PostgreSQL,
        // another API process's writes must show at once.
        config.graphAnswerMemoBytes > 0 && runtime.metadata.cachesReadsByChangeMark
          ? new AnswerMemo(
              runtime.metadata,
              clock,
              config.graphAnswerMemoBytes,
              metrics.graphAnswersReused.series({}),
            )
          : undefined,
    });
    done();
  });

  return app;
}

/** Graph codes of rate limits: app (4), user (17), page (32) and custom (613) levels. */
const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([4, 17, 32, 613]);

function countGraphError(metrics: ProcessMetrics, code: number): void {
  metrics.graphErrors.inc({ code });
  if (RATE_LIMIT_CODES.has(code)) metrics.rateLimitRejections.inc({ code });
}

/** False for the admin panel's routes and the download route, the app's non-Graph parts. */
function isGraphRoute(request: FastifyRequest): boolean {
  const route = routeUrl(request) ?? '';
  return !(
    route === ADMIN_PREFIX ||
    route.startsWith(`${ADMIN_PREFIX}/`) ||
    route.startsWith(DOWNLOAD_ROUTE_PREFIX)
  );
}

/** True when `suppress_http_code` asks for 200; never throws (see the onRequest hook). */
function suppressesHttpCode(request: FastifyRequest): boolean {
  const raw = (request.query as Record<string, unknown>).suppress_http_code;
  if (raw === undefined) return false;
  const values = Array.isArray(raw) ? raw : [raw];
  return values.length > 0 && values.every((value) => value === '1' || value === 'true');
}
