/**
 * @module
 * The frame of every admin panel page: document head (the panel's one stylesheet and one
 * script, both served by this server), the header with the community, the navigation and the
 * sign-out button, and the main content. Pages are readable without the script; it only adds
 * live updates and the member finder.
 */
import type { FastifyReply } from 'fastify';
import type { Community } from '../../domain/index.js';
import type { AdminSession } from '../../services/admin-service.js';
import { ASSET_PATHS } from './panel-assets.js';
import { type Html, html } from './html.js';

/** A signed-in request: the admin's session and community. */
export interface PanelSession extends AdminSession {
  readonly community: Community;
}

export type PanelSection = 'exports' | 'integrations' | 'community' | 'audit';

const SECTIONS: readonly { section: PanelSection; label: string; href: string }[] = [
  { section: 'exports', label: 'Download data', href: '/admin/exports' },
  { section: 'integrations', label: 'Integrations', href: '/admin/integrations' },
  { section: 'community', label: 'Community data', href: '/admin/community' },
  { section: 'audit', label: 'Audit', href: '/admin/audit' },
];

export interface PageOptions {
  readonly title: string;
  /** Absent on the sign-in page and on errors shown to the signed-out. */
  readonly session?: PanelSession | undefined;
  readonly section?: PanelSection;
  /** A message about what just happened (after a form), shown above the content. */
  readonly notice?: string | undefined;
  readonly body: Html;
}

/** Sends a whole page. */
export function sendPage(reply: FastifyReply, page: PageOptions, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
}

/** Sends a part of a page (a live region's fragment). */
export function sendHtml(reply: FastifyReply, markup: Html): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(String(markup));
}

export function renderPage(options: PageOptions): string {
  const { session } = options;
  return String(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>${options.title} · dyi-export admin</title>
          <link rel="icon" href="${ASSET_PATHS.icon}" type="image/svg+xml" />
          <link rel="stylesheet" href="${ASSET_PATHS.css}" />
          <script type="module" src="${ASSET_PATHS.js}"></script>
        </head>
        <body>
          <a class="skip" href="#main">Skip to content</a>
          <header class="top">
            <span class="brand">dyi-export admin</span>
            ${session && html`<span class="community">${session.community.name}</span>`}
            ${session && signOutForm(session)}
          </header>
          ${session && navigation(options.section)}
          <main id="main" ${session ? '' : html`class="signed-out"`}>
            ${options.notice && html`<p class="notice" role="status">${options.notice}</p>`}
            ${options.body}
          </main>
        </body>
      </html> `,
  );
}

function navigation(active: PanelSection | undefined): Html {
  const links = SECTIONS.map(
    ({ section, label, href }) =>
      html`<li>
        <a href="${href}" ${section === active ? html` aria-current="page"` : ''}>${label}</a>
      </li>`,
  );
  return html`<nav aria-label="Sections" class="tabs">
    <ul>
      ${links}
    </ul>
  </nav>`;
}

function signOutForm(session: PanelSession): Html {
  return html`<form method="post" action="/admin/sign-out" class="sign-out">
    ${csrfField(session)}
    <span class="who">${session.admin.email}</span>
    <button type="submit" class="link">Sign out</button>
  </form>`;
}

/** The hidden field every form of a signed-in page carries (see the CSRF check). */
export function csrfField(session: { readonly csrfToken: string }): Html {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}" />`;
}
