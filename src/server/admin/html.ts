/**
 * @module
 * HTML for the admin panel, safe by default: the `html` tag escapes every value put into it,
 * unless the value is itself `html` (or an array of it), so user content can only ever be
 * text. There is no other way to make an `Html` from a string than `trustedHtml`, which is
 * meant for the panel's own constant markup.
 */
import { escapeHtml } from '../../export/html-page.js';

export class Html {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  toString(): string {
    return this.#text;
  }
}

/** What may be put into `html`: text (escaped), numbers, markup, lists of them, or nothing. */
export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    text += render(value) + (strings[index + 1] ?? '');
  });
  return new Html(text);
}

/** Markup written by the panel itself, never from input. */
export function trustedHtml(markup: string): Html {
  return new Html(markup);
}
