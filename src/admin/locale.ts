import type { AdminLocale, LocalizedText } from './types.js';

/** The supported languages, in order of preference when nothing else decides. */
export const LOCALES: readonly AdminLocale[] = ['en', 'de'];

/** Picks German or English from an `Accept-Language` header (by q-value), else English. */
export function negotiateLocale(header: string | null): AdminLocale {
  if (!header) return 'en';
  let best: { locale: AdminLocale; q: number } | undefined;
  for (const part of header.split(',').slice(0, 30)) {
    const [tag = '', ...params] = part.trim().split(';');
    const language = tag.trim().toLowerCase().split('-')[0];
    if (language !== 'de' && language !== 'en') continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || q <= 0) continue;
    if (best === undefined || q > best.q) best = { locale: language, q };
  }
  return best?.locale ?? 'en';
}

/** A {@link LocalizedText} in `locale`: that language, else English, else German. */
export function localize(text: LocalizedText | undefined, locale: AdminLocale): string | undefined {
  if (text === undefined || typeof text === 'string') return text;
  return text[locale] ?? text.en ?? text.de;
}

/** `{ en, de }` shorthand. */
export function t2(en: string, de: string): { readonly en: string; readonly de: string } {
  return { en, de };
}
