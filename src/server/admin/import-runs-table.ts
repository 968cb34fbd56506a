/**
 * @module
 * The "Last imports" part of the community page: one row per `dyi import` or seed, newest
 * first, with what it wrote per content kind (folded away in a `<details>`), and for a failed
 * run the importer's own words on why, shown as text (they quote the imported lines, which may
 * hold anything), with files named by their base names (also in runs recorded with paths). Without runs it says how to bring content in.
 */
import { CONTENT_KINDS, type ContentKind, type Id, type ImportRun } from '../../domain/index.js';
import { withBaseNames } from '../../services/base-names.js';
import { CONTENT_KIND_LABELS, countText } from './community-labels.js';
import { timeElement } from './export-labels.js';
import { cardTable } from './card-table.js';
import { type Html, html } from './html.js';

function labelOf(kind: string): string {
  return (CONTENT_KINDS as readonly string[]).includes(kind)
    ? CONTENT_KIND_LABELS[kind as ContentKind]
    : kind;
}

export function importRunsTable(communityId: Id, runs: readonly ImportRun[]): Html {
  if (runs.length === 0) {
    return html`<p id="no-imports">
      Nothing was imported yet. Import content from NDJSON files with
      <code>dyi import --community ${communityId} FILE...</code>, or fill the community with
      synthetic content with <code>dyi seed --community ${communityId} --users 50</code>.
    </p>`;
  }
  return cardTable({
    columns: ['Started', 'Source', 'Result', 'Records written', 'Error'],
    rows: runs.map(importRunRow),
    id: 'imports',
  });
}

function importRunRow(run: ImportRun): Html {
  return html`<tr>
    <td data-label="Started">${timeElement(run.startTime)}</td>
    <td data-label="Source">${run.source}</td>
    <td data-label="Result">
      <span class="state state-${run.succeeded ? 'COMPLETED' : 'FAILED'}"
        >${run.succeeded ? 'Succeeded' : 'Failed'}</span
      >
    </td>
    <td data-label="Records written">${recordsWritten(run)}</td>
    <td data-label="Error">
      ${run.error !== null && html`<pre class="import-error">${withBaseNames(run.error)}</pre>`}
    </td>
  </tr>`;
}

function recordsWritten(run: ImportRun): Html {
  const kinds = Object.entries(run.records).filter(([, count]) => count > 0);
  const total = kinds.reduce((sum, [, count]) => sum + count, 0);
  if (kinds.length === 0) return html`${countText(total)}`;
  const order = (kind: string): number => (CONTENT_KINDS as readonly string[]).indexOf(kind);
  const items = kinds
    .sort(([a], [b]) => order(a) - order(b))
    .map(([kind, count]) => html`<li>${labelOf(kind)}: ${countText(count)}</li>`);
  return html`<details>
    <summary>${countText(total)}</summary>
    <ul>
      ${items}
    </ul>
  </details>`;
}
