import { z } from 'zod';
import type { Channel } from '../core/provider.js';
import { parseWith } from '../core/validation.js';

/** Languages of the built-in warning texts. */
export type BalanceLocale = 'en' | 'de';

/** What a warning template gets to build its text. */
export interface BalanceWarningInput {
  readonly providerId: string;
  /** The provider's display name. */
  readonly providerName: string;
  readonly channel: Channel;
  /** The balance just read. */
  readonly amount: number;
  /** Unit of the amount and the threshold, e.g. `credits`. */
  readonly unit: string;
  readonly threshold: number;
  /** Calendar day of the warning (`YYYY-MM-DD`, monitor time zone). */
  readonly day: string;
  readonly locale: BalanceLocale;
}

/** A warning text: `subject` is used for e-mail providers only, `text` everywhere. */
export interface BalanceWarningText {
  readonly subject: string;
  readonly text: string;
}

/** Builds the warning text; override it per locale through the monitor's `templates` option. */
export type BalanceWarningTemplate = (input: BalanceWarningInput) => BalanceWarningText;

const amount = (value: number, locale: BalanceLocale) => new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);

/**
 * The built-in English and German texts. Kept short and plain ASCII (apart from German umlauts,
 * which GSM-7 has) so the SMS warning fits one segment in most cases.
 */
export const defaultBalanceTemplates: Readonly<Record<BalanceLocale, BalanceWarningTemplate>> = {
  en: (i) => ({
    subject: `Low balance: ${i.providerName}`,
    text: `Low balance: transport provider "${i.providerName}" has ${amount(i.amount, 'en')} ${i.unit} left, below the warning threshold of ${amount(i.threshold, 'en')} ${i.unit}. Please top up.`,
  }),
  de: (i) => ({
    subject: `Tiefes Guthaben: ${i.providerName}`,
    text: `Tiefes Guthaben: Transportanbieter "${i.providerName}" hat noch ${amount(i.amount, 'de')} ${i.unit}, weniger als die Warnschwelle von ${amount(i.threshold, 'de')} ${i.unit}. Bitte aufladen.`,
  }),
};

const textSchema = z.object({
  subject: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(998)
    .refine((v) => !/[\r\n]/.test(v), 'must not contain CR or LF'),
  text: z.string().trim().min(1, 'must not be empty'),
});

/** Runs a template and validates what it returns (`MESSAGE_INVALID` naming the field otherwise). */
export function renderWarning(template: BalanceWarningTemplate, input: BalanceWarningInput): BalanceWarningText {
  return parseWith(textSchema, template(input), 'MESSAGE_INVALID', 'warning', input.providerId);
}

/** Shortens `text` to `maxLength` characters, so a long provider name cannot stop the warning. */
export function fitText(text: string, maxLength: number | undefined): string {
  if (maxLength === undefined || text.length <= maxLength) return text;
  return maxLength <= 3 ? text.slice(0, maxLength) : `${text.slice(0, maxLength - 3)}...`;
}
