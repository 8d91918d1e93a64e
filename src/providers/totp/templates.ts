import { z } from 'zod';
import { parseWith } from '../../core/validation.js';

/**
 * The texts of a one-time-code message in one language. Placeholders: `{code}` (required in
 * `email` and `text`) and `{minutes}` (validity).
 */
export interface CodeTemplate {
  /** E-mail subject. Keep the code out of it: subjects show up in notifications and lists. */
  readonly subject: string;
  /** E-mail body. */
  readonly email: string;
  /** Text for SMS, Threema and any other text channel; keep it short (one SMS). */
  readonly text: string;
}

/** Templates by language tag (`en`, `de`, ...). */
export type CodeTemplates = Readonly<Record<string, CodeTemplate>>;

/** The built-in English and German texts. */
export const DEFAULT_TEMPLATES: CodeTemplates = {
  en: {
    subject: 'Your sign-in code',
    email: 'Your sign-in code is {code}.\n\nIt is valid for {minutes} minutes. If you did not try to sign in, ignore this message.',
    text: 'Your sign-in code: {code} (valid for {minutes} min)',
  },
  de: {
    subject: 'Ihr Anmeldecode',
    email: 'Ihr Anmeldecode lautet {code}.\n\nEr ist {minutes} Minuten gültig. Wenn Sie sich nicht anmelden wollten, ignorieren Sie diese Nachricht.',
    text: 'Ihr Anmeldecode: {code} (gültig {minutes} Min.)',
  },
};

const hasCode = (v: string) => v.includes('{code}');
const overrideSchema = z.record(
  z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as "en" or "de-CH"'),
  z.object({
    subject: z.string().min(1).max(200).refine((v) => !/[\r\n]/.test(v), 'must not contain CR or LF').optional(),
    email: z.string().min(1).max(5000).refine(hasCode, 'must contain {code}').optional(),
    text: z.string().min(1).max(1000).refine(hasCode, 'must contain {code}').optional(),
  }),
);

/** Partial templates a host passes to override or add languages. */
export type CodeTemplateOverrides = Readonly<Record<string, Partial<CodeTemplate>>>;

/** The defaults with the host's overrides merged in per language (validated: CONFIG_INVALID). */
export function mergeTemplates(overrides: CodeTemplateOverrides | undefined): CodeTemplates {
  const parsed = parseWith(overrideSchema, overrides ?? {}, 'CONFIG_INVALID', 'templates');
  const merged: Record<string, CodeTemplate> = { ...DEFAULT_TEMPLATES };
  for (const [locale, template] of Object.entries(parsed)) {
    const base = merged[locale] ?? merged[locale.split('-')[0]!] ?? DEFAULT_TEMPLATES.en!;
    merged[locale] = { ...base, ...template };
  }
  return merged;
}

/** The template for a language tag: exact, then its base language (`de-CH` → `de`), then `fallback`. */
export function pickTemplate(templates: CodeTemplates, locale: string | undefined, fallback: string): CodeTemplate {
  const base = locale?.split('-')[0];
  return (locale && templates[locale]) || (base && templates[base]) || templates[fallback] || DEFAULT_TEMPLATES.en!;
}

/** Fills `{code}` and `{minutes}`. */
export function render(template: string, values: { readonly code: string; readonly minutes: number }): string {
  return template.replaceAll('{code}', values.code).replaceAll('{minutes}', String(values.minutes));
}
