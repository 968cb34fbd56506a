import { describe, expect, it } from 'vitest';
import { html, trustedHtml } from './html.js';

describe('html', () => {
  it('escapes text put into it, in content and in attributes', () => {
    const name = '<img src=x onerror=alert(1)>';
    const title = `"quoted" & 'single'`;
    expect(String(html`<p title="${title}">${name}</p>`)).toBe(
      '<p title="&quot;quoted&quot; &amp; &#39;single&#39;">&lt;img src=x onerror=alert(1)&gt;</p>',
    );
  });

  it('keeps markup made with html, and joins lists', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
    expect(String(html`<ul>${items}</ul>`)).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
  });

  it('renders nothing for null, undefined and false, and numbers as text', () => {
    expect(String(html`${null}${undefined}${false}${0}${trustedHtml('<br>')}`)).toBe('0<br>');
  });
});
