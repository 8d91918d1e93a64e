import type { SendMailOptions } from 'nodemailer';
import { TransportError } from '../../core/errors.js';
import { emailMessageSchema, toArray, type EmailAddress, type EmailMessage } from '../../core/messages.js';
import { parseWith } from '../../core/validation.js';

/**
 * Headers a message may not set through `headers`: the MIME structure (which S/MIME signing
 * depends on) and the address and subject fields, which must go through the validated fields.
 */
const RESERVED_HEADER = /^(?:content-.*|mime-version|from|sender|to|cc|bcc|reply-to|subject)$/i;

type NodemailerAddress = string | { name: string; address: string };

function address(value: EmailAddress): NodemailerAddress {
  return typeof value === 'string' ? value : { name: value.name ?? '', address: value.address };
}

function addresses(value: EmailAddress | readonly EmailAddress[] | undefined): NodemailerAddress[] | undefined {
  return value === undefined ? undefined : toArray(value).map(address);
}

/**
 * Validates an e-mail message at the provider boundary (addresses, CR/LF in subject and header
 * values, at least one recipient, text or html) and refuses reserved header names.
 */
export function parseEmailMessage(message: unknown, providerId: string): EmailMessage {
  const parsed = parseWith(emailMessageSchema, message, 'MESSAGE_INVALID', 'message', providerId) as EmailMessage;
  for (const name of Object.keys(parsed.headers ?? {})) {
    if (RESERVED_HEADER.test(name)) {
      throw new TransportError('MESSAGE_INVALID', `invalid message: header "${name}" cannot be set through headers; use the message fields`, {
        providerId,
        field: `message.headers.${name}`,
      });
    }
  }
  return parsed;
}

/** The provider defaults a message falls back to. */
export interface MessageDefaults {
  readonly from?: EmailAddress | undefined;
  readonly replyTo?: EmailAddress | undefined;
}

/** The sender of a message: its own `from`, else the provider default; MESSAGE_INVALID when neither is set. */
export function senderOf(message: EmailMessage, defaults: MessageDefaults, providerId: string): EmailAddress {
  const from = message.from ?? defaults.from;
  if (from === undefined) {
    throw new TransportError('MESSAGE_INVALID', 'invalid message: no from address (set message.from or the provider default from)', {
      providerId,
      field: 'message.from',
    });
  }
  return from;
}

/** Converts a validated message to nodemailer's options; file and URL access stay disabled. */
export function toMailOptions(message: EmailMessage, from: EmailAddress, defaults: MessageDefaults): SendMailOptions {
  const replyTo = message.replyTo ?? defaults.replyTo;
  return {
    from: address(from),
    to: addresses(message.to),
    cc: addresses(message.cc),
    bcc: addresses(message.bcc),
    ...(replyTo === undefined ? {} : { replyTo: address(replyTo) }),
    subject: message.subject,
    ...(message.text === undefined ? {} : { text: message.text }),
    ...(message.html === undefined ? {} : { html: message.html }),
    attachments: (message.attachments ?? []).map((a) => ({
      filename: a.filename,
      content: typeof a.content === 'string' ? a.content : Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength),
      ...(a.encoding === undefined ? {} : { encoding: a.encoding }),
      ...(a.contentType === undefined ? {} : { contentType: a.contentType }),
      ...(a.cid === undefined ? {} : { cid: a.cid }),
    })),
    ...(message.headers === undefined ? {} : { headers: { ...message.headers } }),
    xMailer: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
