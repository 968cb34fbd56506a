/**
 * @module
 * `GET /admin/audit`, the "Audit" section: the community's audit trail (docs/audit.md), newest
 * first, 50 a page, filtered by act and by actor (an admin's email or id, an integration's or
 * token's id). Each record shows when, what, who, from where and on what; the hashes are left
 * to `dyi audit verify`. Read only: nothing here changes the trail.
 */
import type { FastifyInstance } from 'fastify';
import {
  AUDIT_ACTS,
  type AuditAct,
  type AuditRecord,
  ValidationError,
} from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { sendPage } from './admin-layout.js';
import { sessionOf } from './admin-session.js';
import { cardTable } from './card-table.js';
import { timeElement } from './export-labels.js';
import { type Html, html } from './html.js';
import { pageRequestOf, queryText, renderPager } from './keyset-pager.js';

const PAGE_SIZE = 50;
const ACTOR_MAX_LENGTH = 200;

/** The acts in words, as the filter and the table name them. */
const ACT_LABELS: Readonly<Record<AuditAct, string>> = {
  'export.create': 'Export created',
  'export.cancel': 'Export cancelled',
  'export.delete': 'Export deleted',
  'export.expire': 'Export expired (files deleted)',
  'file.download': 'File downloaded',
  'integration.create': 'Integration created',
  'integration.rename': 'Integration renamed',
  'integration.delete': 'Integration deleted',
  'integration.appsecret_proof': 'appsecret_proof switched',
  'token.create': 'Access token created',
  'token.revoke': 'Access token revoked',
  'admin.create': 'Admin created',
  'admin.password': 'Admin password set',
  'admin.sign_in': 'Admin signed in',
  'admin.sign_in_failed': 'Sign-in refused',
};

export function registerAuditPages(panel: FastifyInstance, runtime: Runtime): void {
  panel.get('/audit', async (request, reply) => {
    const session = sessionOf(request);
    const act = actOf(request.query);
    const actor = queryText(request.query, 'actor')?.trim();
    if (actor !== undefined && actor.length > ACTOR_MAX_LENGTH) {
      throw new ValidationError(
        'actor',
        `The actor filter has at most ${ACTOR_MAX_LENGTH} characters.`,
      );
    }
    const filter = { communityId: session.community.id, act, actor: actor || undefined };
    const page = pageRequestOf(request.query, PAGE_SIZE);
    const [records, total] = await Promise.all([
      runtime.audit.list(filter, page),
      runtime.audit.count(filter),
    ]);
    const params = {
      ...(act !== undefined && { act }),
      ...(filter.actor !== undefined && { actor: filter.actor }),
    };
    const items = records.items.map((record) => ({ ...record, id: String(record.seq) }));
    return sendPage(reply, {
      title: 'Audit',
      session,
      section: 'audit',
      body: html`<h1>Audit</h1>
        <p class="muted">
          Every export created, cancelled or deleted, every file downloaded, every change to
          integrations and tokens, and every sign-in, newest first. The records are chained by
          their hashes: <code>dyi audit verify</code> proves none was changed.
        </p>
        <form method="get" action="/admin/audit" class="row filter" role="search">
          <div>
            <label for="audit-act">Act</label>
            <select id="audit-act" name="act">
              <option value="">All</option>
              ${AUDIT_ACTS.map(
                (each) =>
                  html`<option value="${each}" ${each === act ? html`selected` : ''}>
                    ${ACT_LABELS[each]}
                  </option>`,
              )}
            </select>
          </div>
          <div>
            <label for="audit-actor">Actor</label>
            <input
              type="search"
              id="audit-actor"
              name="actor"
              value="${filter.actor ?? ''}"
              maxlength="${ACTOR_MAX_LENGTH}"
              aria-describedby="audit-actor-hint"
            />
            <small class="muted" id="audit-actor-hint">An admin's email, or an integration's or token's id.</small>
          </div>
          <button type="submit" class="secondary">Filter</button>
        </form>
        <p id="audit-total">${total === 1 ? '1 record' : `${total} records`}</p>
        ${
          items.length === 0
            ? html`<p>No record matches.</p>`
            : cardTable({
                id: 'audit-records',
                columns: ['#', 'When', 'Act', 'Who', 'From', 'On what'],
                rows: items.map(auditRow),
              })
        }
        ${renderPager(
          { ...records, items },
          {
            label: 'Audit records',
            path: '/admin/audit',
            params,
            previous: 'Newer',
            next: 'Older',
          },
        )}`,
    });
  });
}

function actOf(query: unknown): AuditAct | undefined {
  const act = queryText(query, 'act');
  if (act === undefined) return undefined;
  if (!(AUDIT_ACTS as readonly string[]).includes(act)) {
    throw new ValidationError('act', `The act filter must be one of ${AUDIT_ACTS.join(', ')}.`);
  }
  return act as AuditAct;
}

function auditRow(record: AuditRecord): Html {
  return html`<tr>
    <td data-label="#">${record.seq}</td>
    <td data-label="When">${timeElement(record.time)}</td>
    <td data-label="Act">${ACT_LABELS[record.act]} <small class="muted">${record.act}</small></td>
    <td data-label="Who">${whoText(record)}</td>
    <td data-label="From">
      ${record.clientAddress ?? '—'}
      ${record.userAgent && html`<br /><small class="muted audit-text">${record.userAgent}</small>`}
    </td>
    <td data-label="On what">
      ${record.objectType ?? '—'} ${record.objectId ?? ''}
      ${record.details !== '{}' && html`<br /><small class="muted audit-text">${detailsText(record.details)}</small>`}
    </td>
  </tr>`;
}

function whoText(record: AuditRecord): string {
  switch (record.actorType) {
    case 'admin':
      return record.adminEmail ?? 'Unknown email';
    case 'integration':
      return `Integration ${record.integrationId ?? '?'}, token ${record.tokenId ?? '?'}`;
    case 'signed_url':
      return 'Signed download URL';
    case 'cli':
      return 'Command line';
    case 'system':
      return 'Server';
  }
}

/** `{"name":"Q1","members":"all"}` as `name: Q1 · members: all`. */
function detailsText(details: string): string {
  const parsed = JSON.parse(details) as Record<string, unknown>;
  return Object.entries(parsed)
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(' · ');
}
