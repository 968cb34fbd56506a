/**
 * @module
 * Names as file-name slugs: folded to ASCII as a reader would spell them, only `[a-z0-9-]`,
 * bounded, empty for names without Latin letters or digits.
 */
import { describe, expect, it } from 'vitest';
import { NAME_SLUG_MAX_LENGTH, nameSlug } from './name-slug.js';

describe('nameSlug', () => {
  it.each([
    ['Zoë Ölund', 'zoe-olund'],
    ['Ann Archer', 'ann-archer'],
    ['Łukasz Żółć', 'lukasz-zolc'],
    ['Søren Æbeltoft-Straße', 'soren-aebeltoft-strasse'],
    ['Þóra Ðórðardóttir', 'thora-dordardottir'],
    ['Çağrı Işık', 'cagri-isik'],
    ["Seán O'Brien", 'sean-obrien'],
    ['Ｚｏｅ　１２', 'zoe-12'],
    ['  ../../etc/passwd  ', 'etc-passwd'],
    ['Ann \u202Egnp.exe', 'ann-gnp-exe'],
    ['Ann 🎉 Lee', 'ann-lee'],
    ['山田 Taro', 'taro'],
  ])('makes %j into %j', (name, slug) => {
    expect(nameSlug(name)).toBe(slug);
  });

  it.each(['山田太郎', 'Ελένη', 'Анна', '🎉', '', '---'])(
    'gives nothing for %j, which has no Latin letter or digit',
    (name) => {
      expect(nameSlug(name)).toBe('');
    },
  );

  it('bounds a long name after its last whole word that fits', () => {
    const name = 'Maria Anna Sophia Theresia Walburga Amalia Christina von Habsburg';
    const slug = nameSlug(name);
    expect(slug.length).toBeLessThanOrEqual(NAME_SLUG_MAX_LENGTH);
    expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(`${name.toLowerCase().replaceAll(' ', '-')}-`.startsWith(`${slug}-`)).toBe(true);
    expect(slug.length).toBeGreaterThan(NAME_SLUG_MAX_LENGTH - 'amalia'.length - 1);
  });

  it('cuts a single long word at the limit', () => {
    expect(nameSlug('W'.repeat(100))).toBe('w'.repeat(NAME_SLUG_MAX_LENGTH));
  });
});
