/**
 * @module
 * How the panel knows who is signed in, and refuses everyone else. The session cookie is
 * HttpOnly and SameSite=Strict, scoped to `/admin`; on top of that every form carries a CSRF
 * token that must match its session's (or, for the sign-in form, which has no session yet, a
 * cookie set with the form: double submit). Requests without a session are refused before any
 * handler runs: pages redirect to the sign-in page, anything else (an event stream included)
 * gets 401.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../../runtime.js';
import { isSameToken } from '../../services/admin-service.js';
import { html } from './html.js';
import { type PanelSession, sendPage } from './admin-layout.js';

export const SESSION_COOKIE = 'dyi_admin_session';
/** The sign-in form's double-submit token. */
export const SIGN_IN_FORM_COOKIE = 'dyi_admin_form';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the panel's session check on every signed-in route. */
    panelSession?: PanelSession;
  }
}

export function cookieOptions(runtime: Runtime, maxAgeSeconds?: number) {
  return {
    path: '/admin',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: runtime.config.publicUrl.startsWith('https:'),
    ...(maxAgeSeconds !== undefined && { maxAge: maxAgeSeconds }),
  };
}

/** A new random token for the sign-in form, set as its cookie. */
export function issueSignInFormToken(runtime: Runtime, reply: FastifyReply): string {
  const token = randomBytes(24).toString('base64url');
  reply.setCookie(SIGN_IN_FORM_COOKIE, token, cookieOptions(runtime, 3600));
  return token;
}

/** The session a signed-in request carries (set by `requireSession`). */
export function sessionOf(request: FastifyRequest): PanelSession {
  if (!request.panelSession) throw new Error('Panel route reached without a session');
  return request.panelSession;
}

/** The form field a request's body has under `name`, if it is text. */
export function formField(request: FastifyRequest, name: string): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** Every text value the form field `name` has (checkboxes send one per ticked box). */
export function formValues(request: FastifyRequest, name: string): string[] {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.filter((each): each is string => typeof each === 'string');
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** Whether the request is a browser's EventSource (which asks for nothing but a stream). */
function isEventStream(request: FastifyRequest): boolean {
  return request.headers.accept === 'text/event-stream';
}

/** preHandler of every signed-in route: loads the session, checks CSRF on anything unsafe. */
export function requireSession(runtime: Runtime) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const cookie = request.cookies[SESSION_COOKIE];
    const session = cookie === undefined ? undefined : await runtime.admins.session(cookie);
    const safe = SAFE_METHODS.has(request.method);
    if (!session) {
      if (cookie !== undefined) reply.clearCookie(SESSION_COOKIE, cookieOptions(runtime));
      // An event stream cannot follow a redirect to a page: 401 tells the script to go to sign-in.
      if (safe && !isEventStream(request)) {
        const next = encodeURIComponent(request.url);
        return reply.redirect(`/admin/sign-in?next=${next}`, 303);
      }
      return sendPage(
        reply,
        {
          title: 'Signed out',
          body: html`<h1>You are signed out</h1>
              <p>Nothing was changed. <a href="/admin/sign-in">Sign in</a> and try again.</p>`,
        },
        401,
      );
    }
    const community = await runtime.communities.get(session.admin.communityId);
    request.panelSession = { ...session, community };
    if (!safe && !isSameToken(session.csrfToken, formField(request, '_csrf'))) {
      return sendPage(
        reply,
        {
          title: 'Form refused',
          session: request.panelSession,
          body: html`<h1>This form was refused</h1>
              <p>
                It did not carry this session's security token (CSRF), so it may not have been sent
                from this panel. Nothing was changed. Go back, reload the page and try again.
              </p>`,
        },
        403,
      );
    }
  };
}
