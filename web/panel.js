// @ts-check
/**
 * The admin panel's only script. Every page works without it; it adds:
 * - live updates: an element with `data-live="<url>"` is re-rendered from that URL (an HTML
 *   fragment the server renders, the same markup as on page load) whenever the server's
 *   event stream at /admin/live says the data changed;
 * - the member finder: `[data-member-search="<url>"]` looks members up by name or email as
 *   one types (accents and case aside), lists them as checkboxes in `[data-member-results]`,
 *   keeping the ones already chosen, and says how many it found, of how many;
 * - "select all" buttons: `[data-select-all]` checks every checkbox of its fieldset, or none
 *   when all are checked, and says which it will do;
 * - a lost event stream: the page says so, keeps re-reading, and goes to sign-in once signed out;
 * - an export that ends while the page is open is announced in the page's polite status region
 *   (`[data-export-announcer]`): "Export Q1 legal hold completed.";
 * - a refused form's error summary (`[data-error-summary]`) gets the focus, for browsers that
 *   do not give it by `autofocus`;
 * - copy buttons (`[data-copy="<id>"]`) put the text of element `<id>` on the clipboard and say
 *   "Copied" in their status;
 * - elements marked `data-needs-script` are hidden until this script runs.
 * User text is only ever put in with textContent, never as markup.
 */

for (const element of document.querySelectorAll('[data-needs-script]')) {
  element.removeAttribute('hidden');
}

const summary = /** @type {HTMLElement | null} */ (document.querySelector('[data-error-summary]'));
if (summary && document.activeElement !== summary) summary.focus();

// ---- live updates --------------------------------------------------------------------------

const liveRegions = /** @type {HTMLElement[]} */ ([...document.querySelectorAll('[data-live]')]);

if (liveRegions.length > 0 && 'EventSource' in window) {
  let refreshing = false;
  let pending = false;

  const refresh = async () => {
    if (refreshing) {
      pending = true;
      return;
    }
    refreshing = true;
    try {
      await Promise.all(liveRegions.map(refreshRegion));
    } finally {
      refreshing = false;
      if (pending) {
        pending = false;
        void refresh();
      }
    }
  };

  connectLive(refresh);
}

/** How long to wait before opening the event stream again after the server refused it, in ms. */
const RECONNECT_MS = 5000;

/**
 * Opens the event stream and keeps the page true when it breaks. On any error the page says
 * "Connection lost, reconnecting…" and fetches its live parts at once: a session that ended
 * shows up there as a redirect to the sign-in page, which `refreshRegion` follows. A stream the
 * server refused (401 once signed out, or an answer that is no stream) is not retried by the
 * browser, so this opens a new one after a pause, re-reading the live parts meanwhile.
 * @param {() => Promise<void>} refresh
 */
function connectLive(refresh) {
  const events = new EventSource('/admin/live');
  events.addEventListener('change', () => void refresh());
  // After a lost connection the browser reconnects by itself; catch up on what was missed.
  events.addEventListener('open', () => {
    showConnectionLost(false);
    void refresh();
  });
  events.addEventListener('error', () => {
    showConnectionLost(true);
    void refresh();
    if (events.readyState === EventSource.CLOSED) {
      window.setTimeout(() => connectLive(refresh), RECONNECT_MS);
    }
  });
}

/** @param {boolean} isLost */
function showConnectionLost(isLost) {
  let note = document.getElementById('connection-lost');
  if (!note && isLost) {
    note = document.createElement('p');
    note.id = 'connection-lost';
    note.className = 'connection';
    note.setAttribute('role', 'status');
    note.textContent = 'Connection lost, reconnecting…';
    document.querySelector('main')?.prepend(note);
  }
  if (note) note.hidden = !isLost;
}

/** @param {HTMLElement} region */
async function refreshRegion(region) {
  const url = region.dataset.live;
  if (!url) return;
  let response;
  try {
    response = await fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
  } catch {
    return; // offline for a moment: the next change event tries again
  }
  // Signed out meanwhile: the server redirected to the sign-in page; go there.
  if (response.redirected || response.status === 401) {
    goToSignIn();
    return;
  }
  if (!response.ok) return;
  const markup = await response.text();
  if (markup === region.dataset.liveMarkup) return;
  region.dataset.liveMarkup = markup;
  const focused = document.activeElement;
  const focusedId = focused && region.contains(focused) ? focused.id : '';
  const endedBefore = exportEnds(region);
  region.innerHTML = markup; // our own server's fragment, rendered with every value escaped
  if (focusedId) document.getElementById(focusedId)?.focus();
  announceEnds(endedBefore, exportEnds(region));
}

/**
 * What each export shown in `region` says about its end (empty while it runs), by export id.
 * @param {HTMLElement} region
 */
function exportEnds(region) {
  /** @type {Map<string, string>} */
  const ends = new Map();
  for (const element of /** @type {NodeListOf<HTMLElement>} */ (
    region.querySelectorAll('[data-export-id]')
  )) {
    ends.set(element.dataset.exportId ?? '', element.dataset.exportEnded ?? '');
  }
  return ends;
}

/**
 * Announces the exports that were running before this update and have ended now.
 * @param {Map<string, string>} before
 * @param {Map<string, string>} after
 */
function announceEnds(before, after) {
  const news = [...after].filter(([id, ended]) => ended !== '' && before.get(id) === '');
  const announcer = document.querySelector('[data-export-announcer]');
  if (news.length === 0 || !announcer) return;
  // Emptied first, so that a screen reader reads a message equal to the last one again.
  announcer.textContent = '';
  window.setTimeout(() => {
    announcer.textContent = news.map(([, ended]) => ended).join(' ');
  }, 100);
}

// ---- copy buttons --------------------------------------------------------------------------

for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (
  document.querySelectorAll('button[data-copy]')
)) {
  const source = document.getElementById(button.dataset.copy ?? '');
  const status = button.parentElement?.querySelector('[data-copy-status]');
  if (!source) continue;
  button.addEventListener('click', () => {
    const text = (source.textContent ?? '').trim();
    void copyText(source, text).then((isCopied) => {
      if (!status) return;
      status.textContent = '';
      window.setTimeout(() => {
        status.textContent = isCopied
          ? 'Copied'
          : 'Could not copy: select the text and copy it by hand.';
      }, 50);
    });
  });
}

/**
 * Puts `text` on the clipboard: the Clipboard API where the page may use it, else the
 * selection of `source` and the older copy command.
 * @param {HTMLElement} source
 * @param {string} text
 * @returns {Promise<boolean>}
 */
async function copyText(source, text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const selection = window.getSelection();
    selection?.selectAllChildren(source);
    const isCopied = document.execCommand('copy');
    return isCopied;
  }
}

// ---- member finder -------------------------------------------------------------------------

for (const input of /** @type {NodeListOf<HTMLInputElement>} */ (
  document.querySelectorAll('input[data-member-search]')
)) {
  const finder = input.closest('fieldset') ?? document.body;
  const results = /** @type {HTMLElement | null} */ (finder.querySelector('[data-member-results]'));
  if (!results) continue;
  let timer = 0;
  let latest = 0;
  // Ticking a member means "these members": choose that option for the admin.
  results.addEventListener('change', (event) => {
    const box = /** @type {HTMLInputElement} */ (event.target);
    const chosen = /** @type {HTMLInputElement | null} */ (
      finder.querySelector('input[type=radio][value=chosen]')
    );
    if (box.checked && chosen) chosen.checked = true;
  });
  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void search(input, results, ++latest, () => latest), 200);
  });
  // Enter in the search box searches; it must not submit the export form.
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      window.clearTimeout(timer);
      void search(input, results, ++latest, () => latest);
    }
  });
}

/**
 * @param {HTMLInputElement} input
 * @param {HTMLElement} results
 * @param {number} ticket
 * @param {() => number} latest
 */
async function search(input, results, ticket, latest) {
  const text = input.value.trim();
  const status = results.parentElement?.querySelector('[data-member-status]');
  const chosen = [...results.querySelectorAll('input[type=checkbox]:checked')].map(
    (box) => /** @type {HTMLLIElement} */ (box.closest('li')),
  );
  /** @type {{ id: string, name: string, status: string }[]} */
  let members = [];
  let total = 0;
  if (text !== '') {
    const url = new URL(input.dataset.memberSearch ?? '', window.location.href);
    url.searchParams.set('q', text);
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    if (response.redirected || response.status === 401) {
      goToSignIn();
      return;
    }
    if (!response.ok || ticket !== latest()) return;
    const answer = /** @type {{ members: typeof members, total: number }} */ (
      await response.json()
    );
    members = answer.members;
    total = answer.total;
  }
  const chosenIds = new Set(
    chosen.map((li) => /** @type {HTMLInputElement} */ (li.querySelector('input')).value),
  );
  const found = members.filter((member) => !chosenIds.has(member.id)).map(memberItem);
  results.replaceChildren(...chosen, ...found);
  if (status) status.textContent = text === '' ? '' : foundWords(members.length, total, text);
}

/**
 * What the finder says it found: "3 members found for “zo”.", or, when the server found more
 * than it sent, "Showing the first 20 of 312 members found for “a”."
 * @param {number} shown
 * @param {number} total
 * @param {string} text
 */
function foundWords(shown, total, text) {
  const count = (/** @type {number} */ n) => n.toLocaleString('en-US');
  if (total > shown)
    return `Showing the first ${count(shown)} of ${count(total)} members found for “${text}”.`;
  return `${shown === 0 ? 'No' : count(shown)} member${shown === 1 ? '' : 's'} found for “${text}”.`;
}

/** @param {{ id: string, name: string, status: string }} member */
function memberItem(member) {
  const item = document.createElement('li');
  const label = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.name = 'user_ids';
  box.value = member.id;
  label.append(box, ` ${member.name}`);
  if (member.status !== 'active') {
    const note = document.createElement('span');
    note.className = 'muted';
    note.textContent = ` (${member.status})`;
    label.append(note);
  }
  item.append(label);
  return item;
}

/** Set once the page is on its way to sign-in: a second navigation would abort the first. */
let isLeaving = false;

/** The sign-in page, which brings the admin back here once signed in. */
function goToSignIn() {
  if (isLeaving) return;
  isLeaving = true;
  const here = window.location.pathname + window.location.search;
  window.location.assign(`/admin/sign-in?next=${encodeURIComponent(here)}`);
}

// ---- select all ----------------------------------------------------------------------------

// The button's words and action follow the boxes as they are: "Select none" only when every
// box is ticked, whatever ticked them.
for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (
  document.querySelectorAll('button[data-select-all]')
)) {
  const group = button.closest('fieldset');
  if (!group) continue;
  const boxes = () =>
    /** @type {HTMLInputElement[]} */ ([...group.querySelectorAll('input[type=checkbox]')]);
  const label = () => {
    button.textContent = boxes().every((box) => box.checked) ? 'Select none' : 'Select all';
  };
  button.addEventListener('click', () => {
    const check = boxes().some((box) => !box.checked);
    for (const box of boxes()) box.checked = check;
    label();
  });
  group.addEventListener('change', label);
  label();
}
