/**
 * @module
 * How the panel's searches fold text, so that "zoe" finds "Zoë" and "ZOË": decompose (NFKD:
 * "ë" becomes "e" and a combining diaeresis, "ﬁ" becomes "fi"), drop the combining marks,
 * lower-case, spell out the few Latin letters that carry their accent inside them ("ø", "ł",
 * "ß" ...), and turn every run of white space into one space. Members are stored with the
 * folded key of their name and email (`memberSearchKey`), and searches fold what was typed
 * the same way, so both databases compare plain strings and agree.
 *
 * Changing what this folds changes every stored key: it then needs a migration that computes
 * them again (as SQLite's `0014_member_search_keys` and PostgreSQL's `0006_...` first did).
 */

/** Combining marks (accents, diaereses, cedillas ...) left apart by NFKD. */
const MARKS = /\p{M}+/gu;
const SPACES = /\s+/gu;

/** Letters NFKD leaves whole (their stroke or ligature is not a combining mark). */
const SPELLED_OUT: Readonly<Record<string, string>> = {
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ħ: 'h',
  ı: 'i',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  þ: 'th',
};
const SPELLED_OUT_LETTERS = new RegExp(`[${Object.keys(SPELLED_OUT).join('')}]`, 'gu');

/** `text` as searches compare it: no accents, lower case, single spaces, trimmed. */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(MARKS, '')
    .toLowerCase()
    .replace(SPELLED_OUT_LETTERS, (letter) => SPELLED_OUT[letter] ?? letter)
    .replace(SPACES, ' ')
    .trim();
}

/**
 * The key a member is found by: its folded name and email, apart by a line break, which a
 * folded search text never holds, so that no match spans the two.
 */
export function memberSearchKey(name: string, email: string | null): string {
  return `${foldForSearch(name)}\n${foldForSearch(email ?? '')}`;
}
