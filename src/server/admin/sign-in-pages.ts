/**
 * @module
 * Signing in and out of the panel. A wrong email or password gets the same answer (after the
 * delay the admin service imposes); an attempt locked out after too many wrong passwords (of
 * this account from this address, or of this address) says for how long, with 429 and
 * Retry-After. The client address is the TCP peer's, or what a trusted proxy forwarded
 * (`DYI_TRUST_PROXY`). `next` brings the admin back to the page that asked for
 * a sign-in, and only to a page of the panel.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { SignInError } from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { isSameToken } from '../../services/admin-service.js';
import { sendPage } from './admin-layout.js';
import {
  cookieOptions,
  formField,
  issueSignInFormToken,
  SESSION_COOKIE,
  SIGN_IN_FORM_COOKIE,
  sessionOf,
} from './admin-session.js';
import { html } from './html.js';
import { auditClientOf } from '../audit-context.js';

const HOME = '/admin/exports';

/** Where to go after signing in: a panel page given in `next`, else the exports. */
function destination(next: string | undefined): string {
  const isPanelPath = next !== undefined && /^\/admin(\/|$|\?)/.test(next) && !next.includes('//');
  return isPanelPath && !next.startsWith('/admin/sign-') ? next : HOME;
}

interface SignInForm {
  readonly email?: string | undefined;
  readonly next?: string | undefined;
  readonly error?: string | undefined;
}

function sendSignInPage(
  runtime: Runtime,
  reply: FastifyReply,
  form: SignInForm,
  status = 200,
): FastifyReply {
  const token = issueSignInFormToken(runtime, reply);
  return sendPage(
    reply,
    {
      title: 'Sign in',
      body: html`<div class="card sign-in">
          <h1>Sign in</h1>
          ${form.error && html`<p class="error" role="alert" id="sign-in-error">${form.error}</p>`}
          <form method="post" action="/admin/sign-in" class="stack">
            <input type="hidden" name="_csrf" value="${token}" />
            <input type="hidden" name="next" value="${destination(form.next)}" />
            <label for="email">Email</label>
            <input
              id="email"
              name="email"
              type="email"
              autocomplete="username"
              required
              value="${form.email ?? ''}"
              ${form.error ? html`aria-describedby="sign-in-error"` : ''}
            />
            <label for="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
            />
            <button type="submit">Sign in</button>
          </form>
        </div>`,
    },
    status,
  );
}

export function registerSignInPages(panel: FastifyInstance, runtime: Runtime): void {
  panel.get('/sign-in', async (request, reply) => {
    const { next } = request.query as { next?: string };
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie !== undefined && (await runtime.admins.session(cookie))) {
      return reply.redirect(destination(next), 303);
    }
    return sendSignInPage(runtime, reply, { next });
  });

  panel.post('/sign-in', async (request, reply) => {
    const email = formField(request, 'email') ?? '';
    const next = formField(request, 'next');
    if (!isSameToken(request.cookies[SIGN_IN_FORM_COOKIE] ?? '', formField(request, '_csrf'))) {
      return sendSignInPage(
        runtime,
        reply,
        {
          email,
          next,
          error: 'The sign-in form had expired or did not come from this page; try again.',
        },
        403,
      );
    }
    try {
      const { cookieValue, session } = await runtime.admins.signIn(
        email,
        formField(request, 'password') ?? '',
        request.ip,
        auditClientOf(request).userAgent,
      );
      reply.clearCookie(SIGN_IN_FORM_COOKIE, cookieOptions(runtime));
      reply.setCookie(
        SESSION_COOKIE,
        cookieValue,
        cookieOptions(runtime, session.expireTime - Math.floor(runtime.clock.now() / 1000)),
      );
      return reply.redirect(destination(next), 303);
    } catch (error) {
      if (!(error instanceof SignInError)) throw error;
      if (error.retryAfterSeconds > 0) reply.header('retry-after', String(error.retryAfterSeconds));
      return sendSignInPage(
        runtime,
        reply,
        { email, next, error: error.message },
        error.retryAfterSeconds > 0 ? 429 : 401,
      );
    }
  });
}

/** Sign-out: a signed-in route (it needs the session and its CSRF token). */
export function registerSignOut(panel: FastifyInstance, runtime: Runtime): void {
  panel.post('/sign-out', async (request, reply) => {
    sessionOf(request);
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie !== undefined) await runtime.admins.signOut(cookie);
    reply.clearCookie(SESSION_COOKIE, cookieOptions(runtime));
    return reply.redirect('/admin/sign-in', 303);
  });
}
