/**
 * @module
 * The panel's copy button: it puts the text of another element on the clipboard (`web/panel.js`)
 * and says "Copied" in a polite status. Hidden without script, where the text stays selectable.
 */
import { type Html, html } from './html.js';

/** A button that copies the text of element `sourceId`, named `label` for people and tests. */
export function copyButton(sourceId: string, label: string): Html {
  return html`<span class="copy" data-needs-script hidden>
    <button type="button" class="secondary" data-copy="${sourceId}">${label}</button>
    <span class="muted" role="status" data-copy-status></span>
  </span>`;
}
