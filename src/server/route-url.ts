/**
 * @module
 * The route pattern a request matched (`/:id`), read once per request: Fastify's
 * `request.routeOptions` builds a new object of a dozen properties on every read, and the
 * app's hooks ask for the pattern two or three times a request.
 */
import type { FastifyRequest } from 'fastify';

const ROUTE_URL = Symbol('routeUrl');

/** A request holding its route's pattern (null: no route matched), like `graphParams`. */
interface RequestWithRoute {
  [ROUTE_URL]?: string | null;
}

/** The pattern of the route the request matched; undefined when none did (a 404). */
export function routeUrl(request: FastifyRequest): string | undefined {
  const holder = request as RequestWithRoute;
  let url = holder[ROUTE_URL];
  if (url === undefined) {
    url = request.routeOptions.url ?? null;
    holder[ROUTE_URL] = url;
  }
  return url ?? undefined;
}
