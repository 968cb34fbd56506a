/**
 * @module
 * An export's retention in the panel: `POST /admin/exports/:id/expiry` keeps its files until
 * the end of a chosen day (UTC), and `GET /admin/exports/:id/expire` asks for a yes before the
 * POST to the same path deletes its files now, keeping the export listed as expired. Both go
 * through the retention service, with the same rules as the Graph API's `expires_time`.
 */
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { csrfField, sendPage } from './admin-layout.js';
import { formField, sessionOf } from './admin-session.js';
import { exportOfPath } from './export-detail-page.js';
import { exportLabel, exportTitle } from './export-labels.js';
import { html } from './html.js';
import { redirectWithNotice } from './one-time-notices.js';

const DAY_SECONDS = 86_400;

export function registerExportRetentionPages(panel: FastifyInstance, runtime: Runtime): void {
  panel.post('/exports/:id/expiry', async (request, reply) => {
    const session = sessionOf(request);
    const exportJob = await exportOfPath(runtime, session.community.id, request.params);
    const day = (formField(request, 'keep_until') ?? '').trim();
    const start = /^\d{4}-\d\d-\d\d$/.test(day) ? Date.parse(`${day}T00:00:00Z`) : Number.NaN;
    if (Number.isNaN(start)) {
      throw new ValidationError(
        'keep_until',
        `“Keep files until” must be a day such as 2026-12-31; got “${day}”.`,
      );
    }
    // The day is included: the files go when it ends.
    const expires = start / 1000 + DAY_SECONDS;
    if (expires <= Math.floor(runtime.clock.now() / 1000)) {
      throw new ValidationError(
        'keep_until',
        `“Keep files until” must be today or later; ${day} has passed. To delete the files now, use “Delete files now”.`,
      );
    }
    await runtime.retention.setExpiresTime(session.community.id, exportJob.id, expires);
    return redirectWithNotice(reply, runtime, `/admin/exports/${exportJob.id}`, 'extended');
  });

  panel.get('/exports/:id/expire', async (request, reply) => {
    const session = sessionOf(request);
    const exportJob = await exportOfPath(runtime, session.community.id, request.params);
    const body = html`<h1 class="export-title">Delete the files of ${exportTitle(exportJob)}</h1>
      <p>
        The files of ${exportLabel(exportJob)} (export ${exportJob.id}) are deleted from this
        server now, as they would be at the end of their retention. Their download links stop
        working and answer that the export expired.
      </p>
      <p>The export stays listed, as expired, with its parameters, who started it and why.</p>
      <p><strong>This cannot be undone:</strong> to get the data again, start a new export.</p>
      <form method="post" action="/admin/exports/${exportJob.id}/expire" class="actions">
        ${csrfField(session)}
        <button type="submit" class="danger">Yes, delete the files</button>
        <a href="/admin/exports/${exportJob.id}">No, go back</a>
      </form>`;
    return sendPage(reply, {
      title: `Delete the files of ${exportLabel(exportJob)} (export ${exportJob.id})`,
      session,
      section: 'exports',
      body,
    });
  });

  panel.post('/exports/:id/expire', async (request, reply) => {
    const session = sessionOf(request);
    const exportJob = await exportOfPath(runtime, session.community.id, request.params);
    await runtime.retention.expireNow(session.community.id, exportJob.id);
    return redirectWithNotice(reply, runtime, `/admin/exports/${exportJob.id}`, 'expired');
  });
}
