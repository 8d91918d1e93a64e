import { Writable } from 'node:stream';
import type { PluginFunction } from 'nodemailer/lib/mailer';
import MimeNode, { type MimeNodeHeaderValue } from 'nodemailer/lib/mime-node';
import { TransportError } from '../../../core/errors.js';
import type { DetachedSigner } from './cms.js';

/** The internal header list of a MimeNode (not in its public types). */
interface HeaderList {
  _headers: { key: string; value: MimeNodeHeaderValue }[];
}

const SIGNED_TYPE = 'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256';
const SIGNATURE_TYPE = 'application/pkcs7-signature; name=smime.p7s; smime-type=signed-data';

/** Every node of a tree, depth first. */
function* walk(node: MimeNode): Generator<MimeNode> {
  yield node;
  for (const child of node.childNodes) yield* walk(child);
}

/** Internal fields of a MimeNode this plugin reads. */
interface NodeInternals {
  /** Set for attachments (and inline files): their bytes must stay as given. */
  filename?: string;
}

/** A line that starts with `From ` (mbox rewrites it to `>From `), or ends in a space or tab (gateways strip those). */
const FRAGILE_LINE = /(?:^|\n)From |[ \t](?:\r?\n|\r|$)/;

/**
 * Prepares the parts of the signed entity (RFC 8551 3.1):
 * - text bodies get CRLF line ends (bare CR and LF too), and quoted-printable when a line starts
 *   with `From ` or ends in whitespace, so mbox delivery and whitespace-stripping gateways cannot
 *   change the signed bytes;
 * - attachments are left alone: they go out base64 exactly as unsigned mail sends them, so their
 *   bytes are identical either way (a `text/*` attachment given with LF keeps its LF);
 * - `message/*` attachments (which cannot be base64) get CRLF line ends, as on the wire anyway,
 *   and must be 7-bit: 8-bit content in a signed part breaks the signature on a 7-bit relay.
 */
function prepare(root: MimeNode, providerId: string | undefined): void {
  for (const node of walk(root)) {
    const type = String(node.getHeader('content-type') ?? '').toLowerCase();
    const content = node.content as unknown;
    if (type.startsWith('message/')) {
      const text = Buffer.isBuffer(content) ? content.toString('latin1') : typeof content === 'string' ? content : undefined;
      if (text === undefined) continue;
      if (/[^\x00-\x7f]/.test(text)) {
        throw new TransportError('MESSAGE_INVALID', `invalid message: the ${type.split(';')[0]} attachment ${(node as unknown as NodeInternals).filename ?? ''} has 8-bit content, which a signed message cannot carry (attach it as application/octet-stream)`, {
          providerId,
          field: 'message.attachments',
        });
      }
      node.content = text.replace(/\r\n|\r|\n/g, '\r\n');
      continue;
    }
    if ((node as unknown as NodeInternals).filename !== undefined || node.getHeader('content-disposition') !== undefined) continue;
    if (type.startsWith('text/') && typeof content === 'string') {
      node.content = content.replace(/\r\n|\r|\n/g, '\r\n');
      if (FRAGILE_LINE.test(node.content)) node.setHeader('Content-Transfer-Encoding', 'quoted-printable');
    }
  }
}

/**
 * The signed bytes as they will travel. Lines starting with `From ` can only be in quoted-printable
 * text here (7-bit text with such a line was switched to QP, base64 and headers never start so),
 * where `=46rom ` is the same text; a soft line break of the encoder can produce such a line too.
 * Bare CR or LF would be turned into CRLF by the SMTP data stream, so they are turned here, before
 * hashing, and what is hashed is what is sent.
 */
function transmitted(built: Buffer): Buffer {
  // Most messages need neither change: no copy then.
  if (built.indexOf('From ') < 0 && !hasBareLineEnd(built)) return built;
  const text = built.toString('latin1').replace(/(^|\r\n)From /g, '$1=46rom ').replace(/\r\n|\r|\n/g, '\r\n');
  return Buffer.from(text, 'latin1');
}

/** Whether a CR without LF or an LF without CR occurs (native searches, no copy of the message). */
function hasBareLineEnd(bytes: Buffer): boolean {
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) if (i === 0 || bytes[i - 1] !== 0x0d) return true;
  for (let i = bytes.indexOf(0x0d); i >= 0; i = bytes.indexOf(0x0d, i + 1)) if (bytes[i + 1] !== 0x0a) return true;
  return false;
}

/**
 * The entity's bytes as `build()` gives them, ending in a line break (nodemailer's LastNewline),
 * streamed straight into memory: `build()` sets up a stream pipeline of its own per message.
 */
function bytesOf(node: MimeNode, callback: (error: Error | null, bytes: Buffer) => void): void {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, next) {
      chunks.push(chunk);
      next();
    },
  });
  node.stream(sink, {}, (error) => {
    if (error) return callback(error, Buffer.alloc(0));
    const bytes = Buffer.concat(chunks);
    const last = bytes.at(-1);
    callback(null, last === 0x0a ? bytes : Buffer.concat([bytes, Buffer.from(last === 0x0d ? '\n' : '\r\n')]));
  });
}

/** Base64 in lines of 76 characters, as nodemailer's encoder writes it. */
function base64Lines(bytes: Buffer): string {
  const text = bytes.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join('\r\n');
}

/** The header block of the `smime.p7s` part, the same for every message: built by nodemailer once. */
function signaturePartHeaders(): string {
  const part = new MimeNode('multipart/mixed').createChild(SIGNATURE_TYPE);
  part.setHeader('Content-Disposition', 'attachment; filename=smime.p7s').setHeader('Content-Description', 'S/MIME Cryptographic Signature').setContent(Buffer.alloc(0));
  return part.buildHeaders();
}

/**
 * A nodemailer `stream` plugin that turns the compiled message into RFC 8551 `multipart/signed`
 * with a detached `smime.p7s`. It avoids the known pitfalls of nodemailer-smime: the inner entity
 * is built once and inserted as raw bytes, so what is hashed is exactly what is transmitted
 * (also without a final newline); text is CRLF-canonical, and quoted-printable where a line
 * starts with `From ` or ends in whitespace; attachments keep their bytes; nodemailer's
 * 7-bit-safe transfer encodings are kept; envelope and Message-ID are carried to the new root;
 * micalg is `sha-256`. The outer message is composed in one buffer (nodemailer builds its header
 * block): streaming a second MIME tree per message cost more than the RSA signature. Its headers
 * are final here, so Bcc is left out unless the message keeps it now (SMTP never does).
 *
 * @param sign - the detached CMS signer.
 * @param now - the signing time source.
 * @param providerId - named in errors.
 */
export function smimeSignPlugin(sign: DetachedSigner, now: () => number, providerId?: string): PluginFunction {
  const signatureHeaders = signaturePartHeaders();
  return (mail, done) => {
    const inner = mail.message;
    const envelope = inner.getEnvelope();
    const messageId = inner.messageId();
    const root = new MimeNode(SIGNED_TYPE, {
      keepBcc: inner.keepBcc,
      hostname: inner.hostname,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    const headers = (inner as unknown as HeaderList)._headers;
    // Moved as entries: addHeader would split an address list into one To: field per recipient.
    const outer = (root as unknown as HeaderList)._headers;
    for (const header of [...headers]) {
      if (header.key.toLowerCase().startsWith('content-')) continue;
      outer.push(header);
      headers.splice(headers.indexOf(header), 1);
    }
    root.setEnvelope(envelope);
    root.setHeader('Message-ID', messageId);
    root.appendChild(inner);
    try {
      prepare(inner, providerId);
    } catch (cause) {
      return done(cause as Error);
    }
    bytesOf(inner, (error, built) => {
      if (error) return done(error);
      inner.remove();
      let signature: Buffer;
      let head: string;
      const signedPart = transmitted(built);
      try {
        signature = sign(signedPart, new Date(now()));
        // Also sets the boundary, the Date and the MIME-Version of the root.
        head = root.buildHeaders();
      } catch (cause) {
        return done(cause as Error);
      }
      const boundary = String((root as unknown as { boundary: string }).boundary);
      // What nodemailer streams for a multipart node with these two parts, without a preamble;
      // a raw node carries it, as for nodemailer's own `raw` option (a multipart one would add
      // a closing delimiter). It has no parts, so it needs no random boundary.
      const message = new MimeNode('message/rfc822', { baseBoundary: 'raw', disableFileAccess: true, disableUrlAccess: true }).setRaw(
        Buffer.concat([
          Buffer.from(`${head}\r\n\r\n--${boundary}\r\n`),
          signedPart,
          Buffer.from(`\r\n--${boundary}\r\n${signatureHeaders}\r\n\r\n${base64Lines(signature)}\r\n--${boundary}--\r\n`),
        ]),
      );
      message.setEnvelope(envelope);
      message.setHeader('Message-ID', messageId);
      mail.message = message;
      done();
    });
  };
}
