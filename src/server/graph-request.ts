/**
 * @module
 * Reading a Graph request the way Graph does: parameters from the query string or the form
 * body (the body wins), the access token from either or from `Authorization`, the verb from
 * `method=`, and the version prefix that `rewriteUrl` took off the path.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { MissingTokenError, ValidationError } from '../domain/index.js';
import type { PresentedCredentials } from '../services/access-service.js';

const VERSION_PREFIX = /^\/(v(\d+)(?:\.(\d+))?)(?=[/?]|$)/;
const VERSION = Symbol('graphVersion');

interface VersionedMessage extends IncomingMessage {
  [VERSION]?: string;
}

/** Fastify `rewriteUrl`: strips `/vN` or `/vN.N` and remembers it for links and headers. */
export function stripVersionPrefix(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const match = VERSION_PREFIX.exec(url);
  if (!match) return url;
  (req as VersionedMessage)[VERSION] = match[1];
  const rest = url.slice(match[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * A batch item's `relative_url` split into its own version prefix, if any, and the rest:
 * `/v19.0/me?x`, `v19.0/me?x` and `me?x` all name `me?x` (SDKs send each of these).
 */
export function splitRelativeUrl(relativeUrl: string): { version?: string; rest: string } {
  const path = relativeUrl.replace(/^\/+/, '');
  const match = VERSION_PREFIX.exec(`/${path}`);
  if (!match?.[1]) return { rest: path };
  return { version: match[1], rest: path.slice(match[0].length - 1).replace(/^\/+/, '') };
}

/** The caller's version prefix (`v3.1`), or undefined when the path had none. */
/** Whether the request's path had a version prefix (`rewriteUrl` has run). */
export function isVersioned(request: IncomingMessage): boolean {
  return (request as VersionedMessage)[VERSION] !== undefined;
}

export function requestedVersion(request: FastifyRequest): string | undefined {
  return (request.raw as VersionedMessage)[VERSION];
}

/** `v3` → `v3.0`, for the `facebook-api-version` header. */
export function normalizeVersion(version: string): string {
  return version.includes('.') ? version : `${version}.0`;
}

type ParamBag = Record<string, unknown>;

function bag(value: unknown): ParamBag {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as ParamBag)
    : {};
}

const PARAMS = Symbol('graphParams');

/** A request holding its merged parameters (a property, not a WeakMap entry, which GC pays for). */
interface RequestWithParams {
  [PARAMS]?: ParamBag;
}

/** All parameters: query string, then form or JSON body on top (merged once per request). */
export function graphParams(request: FastifyRequest): ParamBag {
  const holder = request as RequestWithParams;
  let params = holder[PARAMS];
  if (!params) {
    params = { ...bag(request.query), ...bag(request.body) };
    holder[PARAMS] = params;
  }
  return params;
}

/** One string parameter; a repeated parameter is fine when every copy is the same. */
export function stringParam(params: ParamBag, name: string): string | undefined {
  const raw = params[name];
  if (typeof raw === 'string') return raw;
  if (raw === undefined || raw === null) return undefined;
  const values = Array.isArray(raw) ? raw : [raw];
  const texts = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const first = texts[0];
  if (texts.some((t) => t !== first)) {
    throw new ValidationError(
      name,
      `Parameter ${name} was given ${texts.length} different values; send it once.`,
    );
  }
  return first;
}

/** The verb after `method=` (GET and POST only may be overridden). */
export function effectiveMethod(
  request: FastifyRequest,
  params: ParamBag,
): 'GET' | 'POST' | 'DELETE' {
  const override = stringParam(params, 'method');
  const method = (override ?? request.method).toUpperCase();
  if (override !== undefined && request.method !== 'GET' && request.method !== 'POST') {
    throw new ValidationError('method', 'method= may override only GET and POST requests.');
  }
  if (method === 'GET' || method === 'HEAD') return 'GET';
  if (method === 'POST' || method === 'DELETE') return method;
  throw new ValidationError('method', `Unsupported method ${method}; use GET, POST or DELETE.`);
}

const AUTH_HEADER = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i;

/** The presented token from header, query or body; MissingTokenError when there is none. */
export function presentedCredentials(
  request: FastifyRequest,
  params: ParamBag,
): PresentedCredentials {
  let fromHeader: string | undefined;
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = AUTH_HEADER.exec(header);
    if (!match?.[1]) {
      throw new ValidationError(
        'Authorization',
        'The Authorization header must be "Bearer <access token>" or "OAuth <access token>".',
      );
    }
    fromHeader = match[1];
  }
  const param = stringParam(params, 'access_token');
  const fromParams = param === '' ? undefined : param;
  if (fromHeader !== undefined && fromParams !== undefined && fromHeader !== fromParams) {
    throw new ValidationError('access_token', 'Two different access tokens were sent; send one.');
  }
  const token = fromHeader ?? fromParams;
  if (token === undefined) throw new MissingTokenError();
  return {
    token,
    appsecretProof: stringParam(params, 'appsecret_proof'),
    appsecretTime: stringParam(params, 'appsecret_time'),
  };
}

/** The token as sent, if any, without failing when there is none (for batch items). */
export function optionalCredentials(
  request: FastifyRequest,
  params: ParamBag,
): PresentedCredentials | undefined {
  try {
    return presentedCredentials(request, params);
  } catch (error) {
    if (error instanceof MissingTokenError) return undefined;
    throw error;
  }
}
