/**
 * @module
 * How a refused form says what was wrong: an error summary first in the main content, which
 * takes the focus (`autofocus`, and `web/panel.js` for browsers that ignore it on a
 * non-control), lists each error as a link to its field, and, beside each failing field, its
 * message, which the field names with `aria-describedby` and marks with `aria-invalid`. A
 * screen reader thus hears the summary first, and each field's problem again on reaching it.
 */
import { type Html, html } from './html.js';

/** One problem of a form; `fieldId` is the id of the control to fix, when there is one. */
export interface FormError {
  readonly fieldId?: string | undefined;
  readonly message: string;
}

export const ERROR_SUMMARY_ID = 'error-summary';

/** The summary: "<title>", then each error, linked to its field. Nothing when no errors. */
export function errorSummary(title: string, errors: readonly FormError[]): Html {
  if (errors.length === 0) return html``;
  return html`<div
    class="error error-summary"
    id="${ERROR_SUMMARY_ID}"
    tabindex="-1"
    autofocus
    data-error-summary
    aria-labelledby="${ERROR_SUMMARY_ID}-title"
  >
    <h2 id="${ERROR_SUMMARY_ID}-title">${title}</h2>
    <ul>
      ${errors.map((error) =>
        error.fieldId === undefined
          ? html`<li>${error.message}</li>`
          : html`<li><a href="#${error.fieldId}">${error.message}</a></li>`,
      )}
    </ul>
  </div>`;
}

/** The id of the message shown beside a field (what its `aria-describedby` names). */
export function errorIdOf(fieldId: string): string {
  return `${fieldId}-error`;
}

/** The errors that belong to one of `fieldIds`, in order. */
export function errorsFor(errors: readonly FormError[], ...fieldIds: string[]): FormError[] {
  return errors.filter((error) => error.fieldId !== undefined && fieldIds.includes(error.fieldId));
}

/** The message beside field `fieldId` (its errors joined), or nothing when it has none. */
export function fieldError(errors: readonly FormError[], fieldId: string): Html {
  const own = errorsFor(errors, fieldId);
  if (own.length === 0) return html``;
  return html`<p class="field-error" id="${errorIdOf(fieldId)}">
    ${own.map((error) => error.message).join(' ')}
  </p>`;
}

/**
 * The attributes of a control whose problem is the message of `fieldId`: `aria-invalid` and
 * `aria-describedby` (after `hintIds`, which it is described by in any case).
 */
export function invalidAttributes(
  errors: readonly FormError[],
  fieldId: string,
  ...hintIds: string[]
): Html {
  const isInvalid = errorsFor(errors, fieldId).length > 0;
  const describedBy = [...hintIds, ...(isInvalid ? [errorIdOf(fieldId)] : [])].join(' ');
  return html`${isInvalid ? html`aria-invalid="true"` : ''}
  ${describedBy === '' ? '' : html`aria-describedby="${describedBy}"`}`;
}
