/**
 * @module
 * The admin panel at `/admin`, in the same Fastify app as the Graph API: server-rendered pages
 * that work without script, with one small script (`web/panel.js`) for live progress and
 * finding members. This module sets what every panel answer shares (security headers, error
 * and not-found pages) and splits the routes in two: the few open ones (sign-in, assets) and
 * the signed-in rest, behind the session and CSRF check.
 */
import cookie from '@fastify/cookie';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import {
  ConflictError,
  ExportExpiredError,
  DyiError,
  NotFoundError,
  SignInError,
  StorageFullError,
  TransientError,
  ValidationError,
} from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { sendPage } from './admin-layout.js';
import { requireSession } from './admin-session.js';
import { html } from './html.js';
import { registerPanelAssets } from './panel-assets.js';
import { registerSignInPages, registerSignOut } from './sign-in-pages.js';

/** Pages of the panel, each registering its routes on the signed-in scope. */
export type PanelPages = (panel: FastifyInstance, runtime: Runtime) => void;

/**
 * No inline script or style, nothing from elsewhere, no framing: even a missed escape could
 * not run code in an admin's session.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
} as const;

/** Where the panel lives; every route under it is the panel's. */
export const ADMIN_PREFIX = '/admin';

export async function registerAdminPanel(
  app: FastifyInstance,
  runtime: Runtime,
  pages: readonly PanelPages[],
): Promise<void> {
  await app.register(
    async (panel) => {
      await panel.register(cookie);
      panel.addHook('onSend', (_request, reply, payload, done) => {
        reply.headers(SECURITY_HEADERS);
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
        done(null, payload);
      });
      panel.setErrorHandler((error: FastifyError, request, reply) => {
        if (error instanceof NotFoundError) {
          return sendErrorPage(
            reply,
            404,
            'Not found',
            `Nothing with id ${error.id} exists in this community.`,
          );
        }
        const status = statusOf(error);
        if (status === 500) {
          request.log.error({ err: error }, 'unexpected error in the admin panel');
          return sendErrorPage(
            reply,
            500,
            'Something went wrong',
            `The error was logged with trace id ${request.id}.`,
          );
        }
        return sendErrorPage(reply, status, titleOf(status), error.message);
      });
      panel.get('/', (_request, reply) => reply.redirect('/admin/exports', 303));
      await registerPanelAssets(panel);
      registerSignInPages(panel, runtime);
      await panel.register((signedIn, _options, done) => {
        signedIn.addHook('preHandler', requireSession(runtime));
        registerSignOut(signedIn, runtime);
        for (const register of pages) register(signedIn, runtime);
        // Every other path under /admin is the panel's too, never a Graph id: a 404 page.
        signedIn.all('/*', (_request, reply) =>
          sendErrorPage(reply, 404, 'Not found', 'There is no such page in the admin panel.'),
        );
        done();
      });
    },
    { prefix: ADMIN_PREFIX },
  );
}

function statusOf(error: Error & { statusCode?: number }): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof ConflictError) return 409;
  if (error instanceof ExportExpiredError) return 410;
  if (error instanceof SignInError) return 401;
  // A full disk or a locked database passes: the page says so, and what to do.
  if (error instanceof StorageFullError || error instanceof TransientError) return 503;
  if (error instanceof DyiError) return 400;
  // Fastify's own (a malformed body, a body too large) carry their status.
  const status = error.statusCode ?? 500;
  return status >= 400 && status < 500 ? status : 500;
}

function titleOf(status: number): string {
  if (status === 404) return 'Not found';
  if (status === 409) return 'Conflict';
  if (status === 410) return 'Expired';
  if (status === 503) return 'Please try again';
  return 'That did not work';
}

function sendErrorPage(
  reply: FastifyReply,
  status: number,
  title: string,
  message: string,
): FastifyReply {
  const session = reply.request.panelSession;
  return sendPage(
    reply,
    {
      title,
      session,
      body: html`<h1>${title}</h1>
          <p role="alert">${message}</p>
          <p><a href="/admin/exports">Back to the panel</a></p>`,
    },
    status,
  );
}
