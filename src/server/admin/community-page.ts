/**
 * @module
 * `GET /admin/community`, the "Community data" section: what an export of this community can
 * contain. Its name and id, its members by status (only active ones are exported by default),
 * the records stored per content kind (every kind, zeros too, so a missing import shows), and
 * the latest imports with how each went.
 */
import type { FastifyInstance } from 'fastify';
import { CONTENT_KINDS, MEMBER_STATUSES } from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { sendPage } from './admin-layout.js';
import { sessionOf } from './admin-session.js';
import { html } from './html.js';
import { CONTENT_KIND_LABELS, countText, MEMBER_STATUS_LABELS } from './community-labels.js';
import { importRunsTable } from './import-runs-table.js';

/** Import runs the page lists. */
const LATEST_IMPORTS = 10;

export function registerCommunityPages(panel: FastifyInstance, runtime: Runtime): void {
  panel.get('/community', async (request, reply) => {
    const session = sessionOf(request);
    const { community } = session;
    const [members, records, runs] = await Promise.all([
      runtime.metadata.members.countByStatus(community.id),
      runtime.content.counts(community.id),
      runtime.imports.latest(community.id, LATEST_IMPORTS),
    ]);
    const totalRecords = CONTENT_KINDS.reduce((sum, kind) => sum + records[kind], 0);
    const statusRows = MEMBER_STATUSES.map(
      (status) =>
        html`<tr>
          <th scope="row">${MEMBER_STATUS_LABELS[status]}</th>
          <td class="number">${countText(members[status])}</td>
        </tr>`,
    );
    const kindRows = CONTENT_KINDS.map(
      (kind) =>
        html`<tr>
          <th scope="row">${CONTENT_KIND_LABELS[kind]}</th>
          <td class="number">${countText(records[kind])}</td>
        </tr>`,
    );
    return sendPage(reply, {
      title: 'Community data',
      session,
      section: 'community',
      body: html`<h1>Community data</h1>
          <ul>
            <li>Name: ${community.name}</li>
            <li>Community id: <span id="community-id">${community.id}</span></li>
          </ul>
          <h2>Members</h2>
          <p class="muted">By default, an export includes only the active members.</p>
          <table id="members-by-status" class="narrow">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col" class="number">Members</th>
              </tr>
            </thead>
            <tbody>
              ${statusRows}
            </tbody>
          </table>
          <h2>Records</h2>
          <div class="scroll">
            <table id="records-by-kind" class="narrow">
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col" class="number">Records</th>
                </tr>
              </thead>
              <tbody>
                ${kindRows}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">Total</th>
                  <td class="number">${countText(totalRecords)}</td>
                </tr>
              </tfoot>
            </table>
          </div>
          <h2>Last imports</h2>
          ${importRunsTable(community.id, runs)}`,
    });
  });
}
