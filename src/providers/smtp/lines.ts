import type { PluginFunction } from 'nodemailer/lib/mailer';
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import type MimeNode from 'nodemailer/lib/mime-node';
import { TransportError } from '../../core/errors.js';

/** RFC 5322 2.1.1: a line is at most 998 octets, without its CRLF. Servers refuse longer ones (`500 Line too long`). */
export const MAX_LINE_OCTETS = 998;

/** Every node of a tree, depth first. */
function* walk(node: MimeNode): Generator<MimeNode> {
  yield node;
  for (const child of node.childNodes) yield* walk(child);
}

/** The header fields of a built header block whose folded lines exceed the limit: name and longest line. */
function overlong(headerBlock: string): { name: string; octets: number }[] {
  const found: { name: string; octets: number }[] = [];
  let name = '';
  for (const line of headerBlock.split('\r\n')) {
    if (!/^[ \t]/.test(line)) name = line.slice(0, Math.max(0, line.indexOf(':')));
    const octets = Buffer.byteLength(line, 'utf8');
    if (octets > MAX_LINE_OCTETS) found.push({ name, octets });
  }
  return found;
}

/**
 * Whether no header line of the node can exceed the limit, judged from its raw values: a
 * character takes at most 12 octets encoded (a 4-byte UTF-8 sequence Q-encoded as =XX), the
 * generated fields are short. Most messages pass, which saves building their header blocks an
 * extra time (that also scans each body for its transfer encoding).
 */
function surelyShort(node: MimeNode): boolean {
  const { _headers: headers, filename } = node as unknown as { _headers: { key: string; value: unknown }[]; filename?: unknown };
  const length = (value: unknown) => (typeof value === 'string' ? value.length : (JSON.stringify(value) ?? '').length);
  return length(filename ?? '') * 12 < MAX_LINE_OCTETS / 2 && headers.every(({ key, value }) => key.length + 2 + 12 * length(value) <= MAX_LINE_OCTETS);
}

/**
 * A nodemailer `stream` plugin that checks every header line of the compiled message before any
 * connection is made. nodemailer folds headers at spaces, so a word longer than a line (a long
 * token in a custom header, a subject without spaces) stays on one line over 998 octets, which
 * servers refuse after the connection is up. The subject is then sent as RFC 2047 encoded words,
 * which may be split anywhere and decode to the same text; any other such header is
 * `MESSAGE_INVALID` naming it, since re-encoding a machine-read header value would change it.
 *
 * @param providerId - named in the error.
 */
export function headerLinePlugin(providerId: string): PluginFunction {
  return (mail, done) => {
    try {
      for (const node of walk(mail.message)) {
        if (surelyShort(node)) continue;
        let problems = overlong(node.buildHeaders());
        if (node === mail.message && problems.some((p) => p.name.toLowerCase() === 'subject') && typeof mail.data.subject === 'string') {
          node.setHeader('Subject', { prepared: true, foldLines: true, value: encodeWord(mail.data.subject, 'Q', 52) });
          problems = overlong(node.buildHeaders());
        }
        const problem = problems[0];
        if (problem) {
          const given = Object.keys((mail.data.headers as Record<string, unknown> | undefined) ?? {}).find((k) => k.toLowerCase() === problem.name.toLowerCase());
          const field = given !== undefined ? `message.headers.${given}` : problem.name.toLowerCase() === 'subject' ? 'message.subject' : 'message';
          throw new TransportError(
            'MESSAGE_INVALID',
            `invalid message: header ${problem.name} would be a line of ${problem.octets} octets; SMTP allows ${MAX_LINE_OCTETS} (RFC 5322), and a word this long cannot be folded`,
            { providerId, field, retryable: false },
          );
        }
      }
    } catch (error) {
      return done(error as Error);
    }
    done();
  };
}
