import { format } from 'node:util';
import { REDACTED, type ProviderEvents } from '../../core/events.js';

/** A new SMTP connection, as nodemailer reports it. */
export interface ConnectionInfo {
  readonly connection: string;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly secure: boolean;
}

/** The bunyan-style logger nodemailer calls. */
export type NodemailerLogger = Record<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', (...args: unknown[]) => void>;

interface LogData {
  readonly tnx?: string;
  readonly sid?: string;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
}

/** `AUTH <mechanism> <initial response>`: keep the mechanism, drop the credentials. */
const AUTH_COMMAND = /^(AUTH\s+\S+)\s+\S.*$/i;

/**
 * Redacts one client line of an SMTP session. A line answering a `334` challenge (AUTH LOGIN
 * user name and password, CRAM-MD5 response, PLAIN without initial response) is replaced whole;
 * an `AUTH` command keeps only its mechanism.
 */
export function redactClientLine(line: string, answersChallenge: boolean): string {
  if (answersChallenge) return REDACTED;
  return line.replace(AUTH_COMMAND, `$1 ${REDACTED}`);
}

/**
 * A nodemailer logger that records the SMTP transcript as `smtp.transcript` debug events (only
 * when the record's level is `debug`), with AUTH credentials redacted independently of what
 * nodemailer itself masks, and reports every new connection to `onConnection`. Message content
 * is not recorded, only its size.
 */
export function transcriptLogger(events: ProviderEvents, onConnection: (info: ConnectionInfo) => void): NodemailerLogger {
  /** Connections whose next client line answers a 334 challenge. */
  const challenged = new Set<string>();

  const log = (args: unknown[]): void => {
    const data: LogData = typeof args[0] === 'object' && args[0] !== null ? (args.shift() as LogData) : {};
    // Below debug only connection events matter: the per-message lines are not even formatted.
    if (data.tnx !== 'network' && !events.enabled('debug')) return;
    const text = format(...(args as [string, ...unknown[]]));
    const connection = String(data.sid ?? '');
    if (data.tnx === 'network' && data.remoteAddress !== undefined && /established/i.test(text)) {
      onConnection({
        connection,
        secure: /^secure/i.test(text),
        ...(data.remoteAddress === undefined ? {} : { remoteAddress: data.remoteAddress }),
        ...(data.remotePort === undefined ? {} : { remotePort: data.remotePort }),
        ...(data.localAddress === undefined ? {} : { localAddress: data.localAddress }),
      });
    }
    if (data.tnx === 'network' && /closed/i.test(text)) challenged.delete(connection);
    if (!events.enabled('debug')) return;
    if (data.tnx === 'server') {
      if (/^334[ -]/.test(text)) challenged.add(connection);
      else challenged.delete(connection);
      events.debug('smtp.transcript', `S: ${text}`, { connection, direction: 'server' });
    } else if (data.tnx === 'client') {
      const line = redactClientLine(text, challenged.delete(connection));
      events.debug('smtp.transcript', `C: ${line}`, { connection, direction: 'client' });
    } else if (data.tnx !== 'message' || /^<\d+ bytes/.test(text)) {
      // The message itself (tnx "message") is not kept: only its size. Bodies can be large and private.
      events.debug('smtp.log', text, { connection, tnx: data.tnx });
    }
  };
  const handler = (...args: unknown[]) => log(args);
  return { trace: handler, debug: handler, info: handler, warn: handler, error: handler, fatal: handler };
}
