import type { PluginFunction } from 'nodemailer/lib/mailer';
import MimeNode, { type MimeNodeHeaderValue } from 'nodemailer/lib/mime-node';
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

/** RFC 8551 3.1.1: text parts are hashed and sent with CRLF line ends (bare CR and LF too). */
function canonicalize(root: MimeNode): void {
  for (const node of walk(root)) {
    const type = String(node.getHeader('content-type') ?? '').toLowerCase();
    if (type.startsWith('text/') && typeof node.content === 'string') {
      node.content = node.content.replace(/\r\n|\r|\n/g, '\r\n');
    }
  }
}

/**
 * A nodemailer `stream` plugin that turns the compiled message into RFC 8551 `multipart/signed`
 * with a detached `smime.p7s`. It avoids the known pitfalls of nodemailer-smime: the inner entity
 * is built once and inserted as raw bytes, so what is hashed is exactly what is transmitted
 * (also without a final newline); text is CRLF-canonical; nodemailer's 7-bit-safe transfer
 * encodings are kept; envelope and Message-ID are carried to the new root; micalg is `sha-256`.
 *
 * @param sign - the detached CMS signer.
 * @param now - the signing time source.
 */
export function smimeSignPlugin(sign: DetachedSigner, now: () => number): PluginFunction {
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
    for (const header of [...headers]) {
      if (header.key.toLowerCase().startsWith('content-')) continue;
      root.addHeader(header.key, header.value);
      headers.splice(headers.indexOf(header), 1);
    }
    root.setEnvelope(envelope);
    root.setHeader('Message-ID', messageId);
    root.appendChild(inner);
    canonicalize(inner);
    inner.build((error, signedPart) => {
      if (error) return done(error);
      let signature: Buffer;
      try {
        signature = sign(signedPart, new Date(now()));
      } catch (cause) {
        return done(cause as Error);
      }
      inner.remove();
      root.createChild(false).setRaw(signedPart);
      root
        .createChild(SIGNATURE_TYPE)
        .setHeader('Content-Disposition', 'attachment; filename=smime.p7s')
        .setHeader('Content-Description', 'S/MIME Cryptographic Signature')
        .setContent(signature);
      mail.message = root;
      done();
    });
  };
}
