/**
 * @module
 * The panel's stylesheet, script and icon, from `web/` at the package root (beside `src/` and
 * `dist/`, so the same relative path works from the sources and from the build). They are
 * plain files that need no build step, read once when the panel is registered and served from
 * memory with an ETag; nothing is fetched from anywhere else, so the panel works offline.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

export const ASSET_PATHS = {
  css: '/admin/assets/panel.css',
  js: '/admin/assets/panel.js',
  icon: '/admin/assets/favicon.svg',
} as const;

const WEB_DIR = new URL('../../../web/', import.meta.url);

const ASSETS = [
  { path: ASSET_PATHS.css, file: 'panel.css', type: 'text/css; charset=utf-8' },
  { path: ASSET_PATHS.js, file: 'panel.js', type: 'text/javascript; charset=utf-8' },
  // Named by every page's <link rel="icon">, so browsers do not ask the Graph API for /favicon.ico.
  { path: ASSET_PATHS.icon, file: 'favicon.svg', type: 'image/svg+xml' },
] as const;

export async function registerPanelAssets(app: FastifyInstance): Promise<void> {
  for (const asset of ASSETS) {
    const body = await readFile(new URL(asset.file, WEB_DIR));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    // Registered inside the panel's `/admin` prefix.
    app.get(asset.path.slice('/admin'.length), (request, reply) => {
      reply.header('etag', etag).header('cache-control', 'no-cache');
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.type(asset.type).send(body);
    });
  }
}
