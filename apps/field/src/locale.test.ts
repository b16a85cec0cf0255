import { describe, expect, it } from 'vitest';
import { FALLBACK_LOCALE, repairNavigatorLanguage, safeLocale } from './locale.js';

describe('safeLocale', () => {
  it('keeps a valid tag, canonicalised', () => {
    expect(safeLocale(['de-de'])).toBe('de-DE');
  });

  it('skips POSIX locales and junk for the next usable candidate', () => {
    expect(() => new Intl.NumberFormat('C')).toThrow(RangeError);
    expect(safeLocale(['C', 'en_US.UTF-8', '', 42, 'fr-CA'])).toBe('fr-CA');
    expect(safeLocale(['C', 'en_US.UTF-8'])).toBe(FALLBACK_LOCALE);
    expect(safeLocale([])).toBe(FALLBACK_LOCALE);
  });

  it('falls back when Intl is missing or partial', () => {
    expect(safeLocale(['de-DE'], null)).toBe(FALLBACK_LOCALE);
    expect(safeLocale(['de-DE'], {} as typeof Intl)).toBe(FALLBACK_LOCALE);
  });
});

describe('repairNavigatorLanguage', () => {
  const nav = (language: unknown, languages: unknown[] = []) => {
    const proto = {
      get language() {
        return language;
      },
      languages,
    };
    return Object.create(proto) as Navigator;
  };

  it('replaces an unusable navigator.language so Intl built from it works', () => {
    const n = nav('C', ['C', 'nl-NL']);
    expect(repairNavigatorLanguage(n)).toBe('C');
    expect(n.language).toBe('nl-NL');
    expect(() => new Intl.NumberFormat(n.language)).not.toThrow();
    const bare = nav(undefined);
    expect(repairNavigatorLanguage(bare)).toBe('undefined');
    expect(bare.language).toBe(FALLBACK_LOCALE);
  });

  it('leaves a usable one alone', () => {
    const n = nav('en-GB');
    expect(repairNavigatorLanguage(n)).toBeUndefined();
    expect(Object.hasOwn(n, 'language')).toBe(false);
  });
});
