import { Transform } from 'node:stream';
import type { PluginFunction } from 'nodemailer/lib/mailer';
import { crlfMessage, dkimSignatureHeader, type DkimSigningKey } from './sign.js';

/**
 * A nodemailer `stream` plugin that DKIM-signs the message as it will be transmitted: it runs
 * after S/MIME signing, so the signature covers the final `multipart/signed` message. The
 * message is read whole (it is in memory already), given CRLF line ends, as the SMTP data stream
 * would send them, and prefixed with its `DKIM-Signature`.
 *
 * @param signer - domain, selector, header fields, canonicalization and key.
 * @param now - the signing time source (`t=`).
 */
export function dkimSignPlugin(signer: DkimSigningKey, now: () => number): PluginFunction {
  return (mail, done) => {
    mail.message.transform(() => {
      const chunks: Buffer[] = [];
      return new Transform({
        transform: (chunk: Buffer, _encoding, callback) => {
          chunks.push(chunk);
          callback();
        },
        flush(callback) {
          try {
            const message = crlfMessage(Buffer.concat(chunks).toString('latin1'));
            this.push(Buffer.from(dkimSignatureHeader(message, signer, now()) + message, 'latin1'));
            callback();
          } catch (error) {
            callback(error as Error);
          }
        },
      });
    });
    done();
  };
}
