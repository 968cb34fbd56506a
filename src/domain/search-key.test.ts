import { describe, expect, it } from 'vitest';
import { foldForSearch, memberSearchKey } from './search-key.js';

describe('foldForSearch', () => {
  it('drops accents and case, so that "zoe", "Zoë" and "ZOË" compare equal', () => {
    for (const text of ['zoe', 'Zoë', 'ZOË', 'Zoe\u0308'.normalize('NFC'), 'Zoe\u0308']) {
      expect(foldForSearch(text)).toBe('zoe');
    }
    expect(foldForSearch('Émile Zola')).toBe('emile zola');
    expect(foldForSearch('Jürgen Ökland')).toBe('jurgen okland');
    expect(foldForSearch('François Çelik')).toBe('francois celik');
  });

  it('spells out letters whose accent NFKD keeps inside them, and compatibility forms', () => {
    expect(foldForSearch('Søren Łódź Straße')).toBe('soren lodz strasse');
    expect(foldForSearch('Æsir Œuvre Þór')).toBe('aesir oeuvre thor');
    expect(foldForSearch('ﬁne ＡＢＣ')).toBe('fine abc');
  });

  it('turns runs of white space into one space and trims', () => {
    expect(foldForSearch('  Ada \t\n Lovelace  ')).toBe('ada lovelace');
    expect(foldForSearch('   ')).toBe('');
  });

  it('keeps % _ and \\ as they are (searches compare plain strings)', () => {
    expect(foldForSearch('100%_a\\b')).toBe('100%_a\\b');
  });
});

describe('memberSearchKey', () => {
  it('holds the folded name and email apart by a line break no search holds', () => {
    expect(memberSearchKey('Zoë Ångström', 'Zoe.A@Example.TEST')).toBe(
      'zoe angstrom\nzoe.a@example.test',
    );
    expect(memberSearchKey('Ada', null)).toBe('ada\n');
  });
});
