/**
 * @module
 * The panel's tables of records (exports, jobs, integrations, tokens, imports): a header row
 * and one row per record, in a box that scrolls sideways on its own if it must. On a narrow
 * screen the stylesheet turns each row into a card whose cells show their column's name
 * (`data-label` on each cell, which the rows set).
 */
import { type Html, html, type HtmlValue } from './html.js';

export interface Column {
  readonly label: string;
  /** Right-aligned, for counts. */
  readonly numeric?: boolean;
}

export interface CardTableOptions {
  readonly columns: readonly (string | Column)[];
  readonly rows: HtmlValue;
  /** Id of the heading that names the table. */
  readonly labelledBy?: string;
  readonly id?: string;
}

export function cardTable(options: CardTableOptions): Html {
  const headers = options.columns.map((column) => {
    const { label, numeric } = typeof column === 'string' ? { label: column } : column;
    return html`<th scope="col"${numeric ? html` class="number"` : ''}>${label}</th>`;
  });
  return html`<div class="scroll">
    <table class="cards"${options.id ? html` id="${options.id}"` : ''}${
      options.labelledBy ? html` aria-labelledby="${options.labelledBy}"` : ''
    }>
      <thead>
        <tr>${headers}</tr>
      </thead>
      <tbody>
        ${options.rows}
      </tbody>
    </table>
  </div>`;
}
