/**
 * @module
 * Cancelling and deleting an export, each behind a page that says what will happen and asks
 * for a yes: `GET /admin/exports/:id/cancel` and `/delete` show it, a POST to the same path
 * (with the session's CSRF token) does it, and the admin lands on a page with a notice. A link
 * never changes anything: only the confirming form does.
 */
import type { FastifyInstance } from 'fastify';
import type { ExportJob } from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { csrfField, type PanelSession, sendPage } from './admin-layout.js';
import { sessionOf } from './admin-session.js';
import { exportOfPath } from './export-detail-page.js';
import {
  ABORT_REASON_LABELS,
  exportLabel,
  exportTitle,
  JOB_STATE_LABELS,
} from './export-labels.js';
import { type Html, html } from './html.js';
import { redirectWithNotice } from './one-time-notices.js';
import { adminAuditContext } from '../audit-context.js';

export function registerExportConfirmPages(panel: FastifyInstance, runtime: Runtime): void {
  panel.get('/exports/:id/cancel', async (request, reply) => {
    const session = sessionOf(request);
    const exportJob = await exportOfPath(runtime, session.community.id, request.params);
    const status = await runtime.exports.status(exportJob);
    const { counts } = status;
    const unfinished = counts.pending + counts.inProgress;
    const finished = counts.total - unfinished;
    const body = status.isCompleted
      ? html`<h1 class="export-title">Cancel ${exportTitle(exportJob)}</h1>
          <p>${exportLabel(exportJob)} has already finished: there is nothing to cancel.</p>
          <p><a href="/admin/exports/${exportJob.id}">Back to the export</a></p>`
      : html`<h1 class="export-title">Cancel ${exportTitle(exportJob)}</h1>
          <p>Cancelling stops the export now:</p>
          <ul>
            <li>
              Unfinished jobs (${unfinished}) end as “${JOB_STATE_LABELS.ABORTED}”, with the reason
              “${ABORT_REASON_LABELS.CANCELLED_BY_USER}”; they make no files.
            </li>
            <li>Finished jobs (${finished}) keep their files, which can still be downloaded.</li>
          </ul>
          <p>This cannot be undone: to get the rest of the data, start a new export.</p>
          ${confirmForm(session, exportJob, 'cancel', 'Yes, cancel the export')}`;
    return sendPage(reply, {
      title: `Cancel ${exportLabel(exportJob)} (export ${exportJob.id})`,
      session,
      section: 'exports',
      body,
    });
  });

  panel.post('/exports/:id/cancel', async (request, reply) => {
    const session = sessionOf(request);
    const exportJob = await exportOfPath(runtime, session.community.id, request.params);
    const aborted = await runtime.exports.cancel(
      session.community.id,
      exportJob.id,
      adminAuditContext(request, session.admin),
    );
    const notice = aborted.length > 0 ? 'cancelled' : 'nothing-to-cancel';
    return redirectWithNotice(reply, runtime, `/admin/exports/${exportJob.id}`, notice);
  });

  panel.get('/exports/:id/delete', async (request, reply) => {
    const session = sessionOf(request);
    const exportJob = await exportOfPath(runtime, session.community.id, request.params);
    const { counts } = await runtime.exports.status(exportJob);
    const body = html`<h1 class="export-title">Delete ${exportTitle(exportJob)}</h1>
      <p>
        Deleting removes ${exportLabel(exportJob)} (export ${exportJob.id}), its ${jobs(counts.total)} and all their files from
        this server. Download links to its files stop working, also those the API has already given
        out.
      </p>
      <p><strong>This cannot be undone.</strong></p>
      ${confirmForm(session, exportJob, 'delete', 'Yes, delete the export')}`;
    return sendPage(reply, {
      title: `Delete ${exportLabel(exportJob)} (export ${exportJob.id})`,
      session,
      section: 'exports',
      body,
    });
  });

  panel.post('/exports/:id/delete', async (request, reply) => {
    const session = sessionOf(request);
    const exportJob = await exportOfPath(runtime, session.community.id, request.params);
    await runtime.exports.delete(
      session.community.id,
      exportJob.id,
      adminAuditContext(request, session.admin),
    );
    return redirectWithNotice(reply, runtime, '/admin/exports', 'deleted');
  });
}

function jobs(count: number): string {
  return `${count} ${count === 1 ? 'job' : 'jobs'}`;
}

function confirmForm(
  session: PanelSession,
  exportJob: ExportJob,
  action: 'cancel' | 'delete',
  yes: string,
): Html {
  return html`<form method="post" action="/admin/exports/${exportJob.id}/${action}" class="actions">
    ${csrfField(session)}
    <button type="submit" class="danger">${yes}</button>
    <a href="/admin/exports/${exportJob.id}">No, go back</a>
  </form>`;
}
