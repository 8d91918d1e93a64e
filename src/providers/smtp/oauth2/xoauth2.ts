import type { SMTPConnectionCustomAuthHandler, SMTPConnectionCustomAuthResponse } from 'nodemailer/lib/smtp-connection';
import { isTransportError } from '../../../core/errors.js';
import type { TokenCache } from './token.js';

/** The SASL XOAUTH2 initial client response (Google's and Microsoft's format), base64. */
export function xoauth2Response(user: string, token: string): string {
  return Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`, 'utf8').toString('base64');
}

type Context = Parameters<SMTPConnectionCustomAuthHandler>[0];

/** One AUTH XOAUTH2 exchange; a `334` error challenge is answered empty, and the final reply returned. */
async function attempt(context: Context, user: string, token: string): Promise<{ reply: SMTPConnectionCustomAuthResponse; challenged: boolean }> {
  const reply = await context.sendCommand(`AUTH XOAUTH2 ${xoauth2Response(user, token)}`);
  if (reply.status !== 334) return { reply, challenged: false };
  return { reply: await context.sendCommand(''), challenged: true };
}

/**
 * An error for nodemailer that keeps a token failure (a coded TransportError) as its `cause`:
 * nodemailer rewrites the code of the error a handler rejects with, so the TransportError
 * itself must not be handed over; `mapSmtpError` takes the cause back out.
 */
function tokenFailure(cause: unknown): Error {
  return new Error(isTransportError(cause) ? cause.message : 'OAuth2 access token not available', { cause });
}

/**
 * nodemailer's custom AUTH handler for `XOAUTH2`: authenticates with the cached token; when
 * the server refuses it (`535`, or a `334` error challenge, which is answered empty as RFC 7628
 * asks), the token is renewed once (one token request however many connections it refused) and
 * AUTH is tried once more. A second refusal is the server's answer (`535` → AUTH_FAILED).
 */
export function xoauth2Handler(user: string, tokens: TokenCache): SMTPConnectionCustomAuthHandler {
  return async (context) => {
    let token: string;
    try {
      token = await tokens.get();
    } catch (cause) {
      throw tokenFailure(cause);
    }
    const first = await attempt(context, user, token);
    if (first.reply.status === 235) return;
    if (!first.challenged && first.reply.status !== 535) throw new Error('XOAUTH2 not accepted');
    let renewed: string;
    try {
      renewed = await tokens.renew(token);
    } catch (cause) {
      throw tokenFailure(cause);
    }
    const second = await attempt(context, user, renewed);
    if (second.reply.status === 235) return;
    throw new Error('XOAUTH2 refused a renewed access token');
  };
}
