/**
 * @module
 * Made-up text for synthetic records: sentences and paragraphs of vocabulary words, and the
 * small string shapes (capitalized titles, zero-padded numbers, ASCII e-mail names) the
 * generator builds from them. Every draw comes from the caller's `Rng`, in a fixed order.
 */
import type { Rng } from './rng.js';
import { WORDS } from './synthetic-vocabulary.js';

export function sentence(rng: Rng): string {
  const words: string[] = [];
  for (let k = 5 + rng.int(10); k > 0; k--) words.push(rng.pick(WORDS));
  return `${capitalize(words.join(' '))}${rng.pick(['.', '.', '.', '!', '?'])}`;
}

export function text(rng: Rng, maxSentences: number): string {
  const sentences: string[] = [];
  for (let k = 1 + rng.int(maxSentences); k > 0; k--) sentences.push(sentence(rng));
  return sentences.join(' ');
}

export function capitalize(words: string): string {
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function pad(value: number, digits: number): string {
  return String(value).padStart(digits, '0');
}

/** Lower-case ASCII letters of a name, for e-mail addresses ("Zoë" → "zoe"). */
export function ascii(name: string): string {
  return name
    .normalize('NFD')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}
