/** What every locale-dependent call in the app falls back to when the platform's tag is unusable. */
export const FALLBACK_LOCALE = 'en-US';

/**
 * The first candidate that `Intl` accepts as a BCP 47 language tag, else {@link FALLBACK_LOCALE}.
 * Platforms report POSIX locales (`C`, `POSIX`, `en_US.UTF-8`) through `navigator.language` in some
 * WebViews and containers, and every `Intl` constructor throws a RangeError on them.
 */
export function safeLocale(candidates: readonly unknown[], intl: Pick<typeof Intl, 'getCanonicalLocales'> | null = globalThis.Intl ?? null): string {
  if (typeof intl?.getCanonicalLocales !== 'function') return FALLBACK_LOCALE;
  for (const candidate of candidates) {
    if (typeof candidate !== 'string' || candidate === '') continue;
    try {
      const [tag] = intl.getCanonicalLocales(candidate);
      if (tag) return tag;
    } catch {
      // not a language tag; try the next one
    }
  }
  return FALLBACK_LOCALE;
}

/**
 * Makes `navigator.language` a valid language tag before any library reads it at import time (uPlot
 * builds an `Intl.NumberFormat` from it when its module loads). Returns the unusable value it
 * replaced, or undefined when the platform's tag was fine.
 */
export function repairNavigatorLanguage(nav: Navigator | undefined = globalThis.navigator): string | undefined {
  if (!nav) return undefined;
  const reported = nav.language;
  const usable = safeLocale([reported, ...(nav.languages ?? [])]);
  if (typeof reported === 'string' && usable.toLowerCase() === reported.toLowerCase()) return undefined;
  Object.defineProperty(nav, 'language', { value: usable, configurable: true });
  return String(reported);
}
