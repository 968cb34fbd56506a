/**
 * @module
 * The frame every HTML page of an archive shares: escaping, the document head with its only
 * stylesheet (inline: the archive must read offline, with nothing fetched) and a policy that
 * forbids scripts, so that even a missed escape could not run code from imported content.
 * Tables turn into labelled cards on narrow screens, without any script.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1rem; max-width: 72rem; color: #1c1e21; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
nav { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #dadde1; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
td { white-space: pre-wrap; overflow-wrap: anywhere; }
td ul { margin: 0; padding-left: 1.1rem; }
pre { margin: 0; white-space: pre-wrap; font-size: .85em; }
img { max-width: 16rem; max-height: 16rem; height: auto; display: block; margin: .2rem 0; }
.empty { color: #65676b; }
.missing { color: #65676b; font-style: italic; }
@media (max-width: 40rem) {
  table, tbody, tr, td { display: block; width: auto; }
  thead { display: none; }
  tr { border: 1px solid #dadde1; margin-bottom: .75rem; }
  td { border: 0; border-bottom: 1px solid #f0f2f5; }
  td::before { content: attr(data-label); display: block; font-weight: 600; color: #65676b; }
  img { max-width: 100%; }
}
`;

/** Everything before a page's content, ending inside `<body>`. */
export function pageStart(title: string): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<meta http-equiv="Content-Security-Policy" content="script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'">\n` +
    `<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n`
  );
}

export const PAGE_END = '</body>\n</html>\n';
