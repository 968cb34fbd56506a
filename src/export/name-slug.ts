/**
 * @module
 * A person's name as a short, safe piece of a file name: `Zoë Ölund` becomes `zoe-olund`, so
 * that a folder of downloaded archives says whose each one is, on every file system and in
 * every shell, with no quoting. Letters are folded to ASCII (accents dropped by Unicode
 * decomposition; the few Latin letters that do not decompose, such as `ß`, `ø`, `ł`, `æ`,
 * spelled out), lowercased, and every other run of characters becomes one hyphen. A name with
 * no Latin letter or digit (`山田太郎`) gives nothing, and the caller uses the id alone. The same
 * name always gives the same slug: archive bytes stay deterministic.
 */

/** Longest slug, in characters: enough to recognise a name, short enough for a file name. */
export const NAME_SLUG_MAX_LENGTH = 40;

/** Latin letters that Unicode decomposition leaves as they are, with their usual ASCII spelling. */
const SPELLED_OUT: Readonly<Record<string, string>> = {
  ß: 'ss',
  ẞ: 'ss',
  æ: 'ae',
  Æ: 'ae',
  œ: 'oe',
  Œ: 'oe',
  ø: 'o',
  Ø: 'o',
  ł: 'l',
  Ł: 'l',
  đ: 'd',
  Đ: 'd',
  ð: 'd',
  Ð: 'd',
  þ: 'th',
  Þ: 'th',
  ı: 'i',
  ħ: 'h',
  Ħ: 'h',
};

/**
 * `[a-z0-9-]`, no hyphen at either end, at most NAME_SLUG_MAX_LENGTH (cut after a whole word
 * when the name has several); '' when nothing is left.
 */
export function nameSlug(name: string): string {
  const folded = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[ßẞæÆœŒøØłŁđĐðÐþÞıħĦ]/g, (letter) => SPELLED_OUT[letter] ?? '')
    .toLowerCase()
    // An apostrophe joins a name's parts (O'Brien): no hyphen for it.
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return bounded(folded);
}

/** The slug cut to the limit, at a word's end when one is there to cut at. */
function bounded(slug: string): string {
  if (slug.length <= NAME_SLUG_MAX_LENGTH) return slug;
  const cut = slug.slice(0, NAME_SLUG_MAX_LENGTH);
  if (slug[NAME_SLUG_MAX_LENGTH] === '-') return cut;
  const lastBreak = cut.lastIndexOf('-');
  return lastBreak > 0 ? cut.slice(0, lastBreak) : cut;
}
