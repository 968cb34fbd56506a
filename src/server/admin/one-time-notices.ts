/**
 * @module
 * Notices after a form ("The export was started."), shown once. The form's POST redirects
 * (post-redirect-get) and sets a short-lived cookie naming the notice and the page it is for;
 * that page shows the notice and clears the cookie in the same answer. The URL stays clean, so
 * a reload, the back button or a shared link shows no notice, and since the browser carries the
 * cookie, whichever API process serves the page finds it. The cookie holds only a key of a
 * fixed map: a page never shows text that came from a request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../../runtime.js';
import { cookieOptions } from './admin-session.js';

export const NOTICE_COOKIE = 'dyi_admin_notice';
/** How long a notice waits for its page, in seconds: the redirect follows at once. */
const NOTICE_SECONDS = 60;

/** Redirects to `path` (no query), where the notice `key` is shown once. */
export function redirectWithNotice(
  reply: FastifyReply,
  runtime: Runtime,
  path: string,
  key: string,
): FastifyReply {
  reply.setCookie(NOTICE_COOKIE, `${key} ${path}`, {
    ...cookieOptions(runtime, NOTICE_SECONDS),
    path,
  });
  return reply.redirect(path, 303);
}

/**
 * The notice waiting for this request's page, from `notices`, and clears it; undefined when
 * none waits for this page (a notice for another page is left for that page).
 */
export function takeNotice(
  request: FastifyRequest,
  reply: FastifyReply,
  runtime: Runtime,
  notices: Readonly<Record<string, string>>,
): string | undefined {
  const value = request.cookies[NOTICE_COOKIE];
  if (value === undefined) return undefined;
  const [key = '', path = ''] = value.split(' ');
  const here = request.url.split('?')[0] ?? '';
  if (path !== here) return undefined;
  reply.clearCookie(NOTICE_COOKIE, { ...cookieOptions(runtime), path });
  return Object.hasOwn(notices, key) ? notices[key] : undefined;
}
