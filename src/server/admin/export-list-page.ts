/**
 * @module
 * `GET /admin/exports`: the community's exports, newest first, a page at a time, each with its
 * parameters, its state in words, a progress bar and its job counts. The table is a live
 * region: `GET /admin/exports/fragment/list` renders the same table for the same page, and the
 * panel script swaps it in whenever data changed.
 */
import type { FastifyInstance } from 'fastify';
import { DATA_TYPES, type ExportJobCounts } from '../../domain/index.js';
import type { PageRequest } from '../../ports/paging.js';
import type { Runtime } from '../../runtime.js';
import type { ExportStatus } from '../../services/export-service.js';
import { sendHtml, sendPage } from './admin-layout.js';
import { sessionOf } from './admin-session.js';
import {
  dataTypesInShort,
  exportStateOf,
  FORMAT_LABELS,
  EXPORT_NOTICES,
  exportAnnouncer,
  exportEndAttributes,
  exportLabel,
  exportTitle,
  MEDIA_QUALITY_LABELS,
  exportProgress,
  timeElement,
  timeRange,
} from './export-labels.js';
import { cardTable } from './card-table.js';
import { countText } from './community-labels.js';
import { type Html, html } from './html.js';
import { pageParams, pageRequestOf, renderPager, urlWith } from './keyset-pager.js';
import { takeNotice } from './one-time-notices.js';

/** Exports per page of the list. */
const EXPORTS_PER_PAGE = 20;
const LIST_PATH = '/admin/exports';
const FRAGMENT_PATH = '/admin/exports/fragment/list';

export function registerExportList(panel: FastifyInstance, runtime: Runtime): void {
  panel.get('/exports', async (request, reply) => {
    const session = sessionOf(request);
    const page = pageRequestOf(request.query, EXPORTS_PER_PAGE);
    const list = await renderExportList(runtime, session.community.id, page);
    return sendPage(reply, {
      title: 'Download data',
      session,
      section: 'exports',
      notice: takeNotice(request, reply, runtime, EXPORT_NOTICES),
      body: html`<h1>Download data</h1>
          <p>
            Each export collects the chosen data of the community into archives you can download
            here or with the API. It runs one company job and one job per member.
          </p>
          <p class="actions"><a class="button" href="/admin/exports/new">Start an export</a></p>
          <h2 id="exports-heading">Exports</h2>
          <div data-live="${urlWith(FRAGMENT_PATH, pageParams(page))}">${list}</div>
          ${exportAnnouncer()}`,
    });
  });

  panel.get('/exports/fragment/list', async (request, reply) => {
    const session = sessionOf(request);
    const page = pageRequestOf(request.query, EXPORTS_PER_PAGE);
    const list = await renderExportList(runtime, session.community.id, page);
    return sendHtml(reply, list);
  });
}

/** The table of one page of exports, with its pager: the live part of the list page. */
async function renderExportList(
  runtime: Runtime,
  communityId: string,
  pageRequest: PageRequest,
): Promise<Html> {
  const page = await runtime.exports.list(communityId, pageRequest);
  if (page.items.length === 0) {
    const isFirstPage = pageRequest.after === undefined && pageRequest.before === undefined;
    return isFirstPage
      ? html`<p>
          No exports yet. <a href="/admin/exports/new">Start an export</a> to download the
          community's data.
        </p>`
      : html`<p>
          There are no exports on this page any more.
          <a href="${LIST_PATH}">See the newest exports</a>.
        </p>`;
  }
  const statuses = await Promise.all(
    page.items.map((each) => Promise.resolve(runtime.exports.status(each))),
  );
  return html`${cardTable({ columns: ['Export', 'Created', 'Data', 'Format', 'Time range', 'State', 'Progress', 'Jobs'], rows: statuses.map(exportRow), labelledBy: 'exports-heading' })}
    ${renderPager(page, {
      label: 'Pages of exports',
      path: LIST_PATH,
      params: {},
      previous: 'Newer',
      next: 'Older',
    })}`;
}

/** "8 / 50 completed" on one line, and badges for the jobs that aborted or failed, if any. */
function jobCounts(counts: ExportJobCounts): Html {
  return html`<span class="nowrap">${countText(counts.completed)} / ${countText(counts.total)} completed</span>
    ${counts.aborted > 0 && html`<span class="badge badge-danger">${countText(counts.aborted)} aborted</span>`}
    ${counts.failed > 0 && html`<span class="badge badge-danger">${countText(counts.failed)} failed</span>`}`;
}

function exportRow(status: ExportStatus): Html {
  const { export: exportJob, counts } = status;
  const state = exportStateOf(status);
  return html`<tr>
    <td data-label="Export">
      <a href="/admin/exports/${exportJob.id}">${exportTitle(exportJob)}</a>
      ${
        counts.completed > 0 &&
        !status.isExpired &&
        html`<a
            class="download-all"
            href="/admin/exports/${exportJob.id}/download-all"
            aria-label="Download all of ${exportLabel(exportJob)} (export ${exportJob.id})"
            >Download all</a
          >`
      }
    </td>
    <td data-label="Created">${timeElement(exportJob.createTime)}</td>
    <td data-label="Data">${dataTypesInShort(exportJob.dataTypes, DATA_TYPES.length)}</td>
    <td data-label="Format">
      ${FORMAT_LABELS[exportJob.dyiFormat]}
      <small class="muted block">Media: ${MEDIA_QUALITY_LABELS[exportJob.mediaQuality]}</small>
    </td>
    <td data-label="Time range">${timeRange(exportJob.startTime, exportJob.endTime)}</td>
    <td data-label="State" ${exportEndAttributes(status)}>
      <span class="state ${state.className}">${state.words}</span>
    </td>
    <td data-label="Progress" class="nowrap">
      ${exportProgress(`Export ${exportJob.id}`, status)}
    </td>
    <td data-label="Jobs" class="counts">${jobCounts(counts)}</td>
  </tr>`;
}
