import { z } from 'zod';
import type { TransportErrorCode } from './errors.js';

/** An e-mail address, either plain (`a@example.org`) or with a display name. */
export type EmailAddress = string | { readonly name?: string; readonly address: string };

/** A file attached to an e-mail. */
export interface Attachment {
  /** File name shown to the recipient. */
  readonly filename: string;
  /** The bytes, or a string (UTF-8 unless `encoding` says otherwise). */
  readonly content: string | Uint8Array;
  /** MIME type; guessed from the file name when omitted. */
  readonly contentType?: string;
  /** How a string `content` is encoded. */
  readonly encoding?: 'utf8' | 'base64';
  /** Content-ID for inline images referenced from the HTML part. */
  readonly cid?: string;
}

/** A message for the `email` channel. */
export interface EmailMessage {
  readonly to: EmailAddress | readonly EmailAddress[];
  readonly cc?: EmailAddress | readonly EmailAddress[];
  readonly bcc?: EmailAddress | readonly EmailAddress[];
  /** Sender; the provider's default from address when omitted. */
  readonly from?: EmailAddress;
  /** Reply-To; overrides the provider's default reply-to address for this message. */
  readonly replyTo?: EmailAddress;
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  readonly attachments?: readonly Attachment[];
  /** Extra headers; values must not contain CR or LF. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A short text message for the `sms` and `threema` channels (and any text channel of a host type). */
export interface TextMessage {
  /** One recipient address or several (phone number, Threema ID, ...). */
  readonly to: string | readonly string[];
  readonly text: string;
}

/** The shape of message a delivery provider accepts. */
export type MessageShape = 'email' | 'text';

/**
 * One recipient the upstream refused, with what it said. Hosts retry the `temporary` ones later
 * and drop or fix the others.
 */
export interface RecipientRejection {
  /** The recipient as given in the message (an e-mail address, a phone number, a Threema ID). */
  readonly recipient: string;
  /** What the upstream answered: the SMTP reply code (`450`, `550`), the ASPSMS StatusCode, the HTTP status. */
  readonly status?: number | string;
  /** The upstream's text for it (SMTP reply line, status description), secrets redacted. */
  readonly description?: string;
  /** True when the refusal is temporary (SMTP 4xx, a transient upstream failure): retry this recipient later. */
  readonly temporary: boolean;
  /** The error code a send to this recipient alone would have failed with. */
  readonly code: TransportErrorCode;
}

/** What a successful send reports. */
export interface SendResult {
  readonly providerId: string;
  /** The upstream's id of the message (SMTP Message-ID, ASPSMS reference, Threema message id). */
  readonly messageId?: string;
  /** Recipients the upstream accepted. */
  readonly accepted: readonly string[];
  /** Recipients the upstream rejected while accepting others. */
  readonly rejected: readonly string[];
  /**
   * Every rejected recipient with its reply code and whether the refusal is temporary, in the
   * order of `rejected` (SMTP, ASPSMS and Threema fill it; absent when nothing was rejected).
   */
  readonly rejections?: readonly RecipientRejection[];
  /** What the send cost, where the upstream says so. */
  readonly cost?: { readonly amount: number; readonly unit: string };
  /** Number of SMS segments per recipient, for SMS providers. */
  readonly segments?: number;
  /** Provider-specific extra data (never secrets). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Remaining prepaid credit of a provider account. */
export interface Balance {
  /** The amount; may be fractional. */
  readonly amount: number;
  /** Unit of the amount, e.g. `credits`. */
  readonly unit: string;
  /** When it was read (ISO 8601). */
  readonly checkedAt: string;
}

/** One step of a {@link TestReport}. */
export interface TestStep {
  /** `config`, `verify`, `balance`, `send`, or a provider's own diagnostic name. */
  readonly name: string;
  readonly ok: boolean;
  /** Duration in milliseconds. */
  readonly durationMs: number;
  /** Human-readable detail: what was checked or what went wrong. */
  readonly detail?: string;
  /** The TransportError code when the step failed. */
  readonly code?: string;
}

/** What the registry's `test()` reports; it never throws for provider failures. */
export interface TestReport {
  readonly ok: boolean;
  readonly providerId: string;
  readonly type: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly steps: readonly TestStep[];
  /** Code of the first failing step. */
  readonly errorCode?: string;
  /** Result of the test send, when one was made and succeeded. */
  readonly sendResult?: SendResult;
}

const CRLF = /[\r\n]/;
/** Deliberately simple and strict: one @, no spaces or control characters, a dotted domain. */
const EMAIL_RE = /^[^\s@<>()",;:\\[\]\x00-\x1f]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** True when `address` is a plain e-mail address transportkit accepts. */
export function isEmailAddress(address: string): boolean {
  return address.length <= 254 && EMAIL_RE.test(address) && !/^\.|\.\.|\.@/.test(address);
}

const noCrLf = (what: string) => (value: string) => !CRLF.test(value) || `${what} must not contain CR or LF`;

/** A UTF-16 surrogate without its partner: not a character, so no channel can carry it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True when `text` is well-formed Unicode: no lone UTF-16 surrogate (half of an emoji cut off by
 * a `slice`, say). Such text would reach the recipient as U+FFFD, so every channel refuses it.
 */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

const WELL_FORMED = 'must not contain a lone UTF-16 surrogate (an incomplete character, e.g. half an emoji)';
/** A string schema refusing lone surrogates. */
const text = () => z.string().refine(isWellFormedText, WELL_FORMED);

const addressSchema = z.union([
  z.string().refine(isEmailAddress, 'invalid e-mail address'),
  z.object({
    name: text()
      .max(200)
      .refine((v) => !CRLF.test(v), 'name must not contain CR or LF')
      .optional(),
    address: z.string().refine(isEmailAddress, 'invalid e-mail address'),
  }),
]);
const addressList = z.union([addressSchema, z.array(addressSchema)]);

const attachmentSchema = z.object({
  filename: text().min(1).max(255).refine((v) => !CRLF.test(v), 'filename must not contain CR or LF'),
  content: z.union([text(), z.instanceof(Uint8Array)]),
  contentType: z
    .string()
    .regex(/^[\w.+-]+\/[\w.+-]+$/, 'invalid MIME type')
    .optional(),
  encoding: z.enum(['utf8', 'base64']).optional(),
  cid: z.string().max(200).refine((v) => !CRLF.test(v), 'cid must not contain CR or LF').optional(),
});

/** zod schema of {@link EmailMessage}: addresses checked, header injection refused. */
export const emailMessageSchema = z
  .object({
    to: addressList,
    cc: addressList.optional(),
    bcc: addressList.optional(),
    from: addressSchema.optional(),
    replyTo: addressSchema.optional(),
    subject: text().max(998).superRefine((v, ctx) => {
      const r = noCrLf('subject')(v);
      if (r !== true) ctx.addIssue({ code: 'custom', message: r });
    }),
    text: text().optional(),
    html: text().optional(),
    attachments: z.array(attachmentSchema).max(100).optional(),
    headers: z
      .record(
        z.string().regex(/^[!-9;-~]+$/, 'invalid header name'),
        text().refine((v) => !CRLF.test(v), 'header value must not contain CR or LF'),
      )
      .optional(),
  })
  .superRefine((m, ctx) => {
    const count = (v: unknown) => (v === undefined ? 0 : Array.isArray(v) ? v.length : 1);
    if (count(m.to) + count(m.cc) + count(m.bcc) === 0) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'at least one recipient is required' });
    }
    if (m.text === undefined && m.html === undefined) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'text or html is required' });
    }
  });

/** zod schema of {@link TextMessage}. Address syntax is the provider's `validateAddress` job. */
export const textMessageSchema = z.object({
  to: z.union([z.string().min(1), z.array(z.string().min(1)).min(1, 'at least one recipient is required')]),
  text: text().min(1, 'text must not be empty'),
});

/** The plain address of an {@link EmailAddress}. */
export function addressOf(address: EmailAddress): string {
  return typeof address === 'string' ? address : address.address;
}

/** A single value or list as an array. */
export function toArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

/** Every recipient of a message (to, cc, bcc) as plain addresses. */
export function recipientsOf(message: EmailMessage | TextMessage): string[] {
  if ('subject' in message) {
    return [...toArray(message.to), ...toArray(message.cc), ...toArray(message.bcc)].map(addressOf);
  }
  return toArray(message.to);
}
