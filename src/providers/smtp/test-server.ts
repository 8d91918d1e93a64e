import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A message the SMTP test server received. */
export interface SmtpTestMessage {
  /** The message as received (dot-unstuffed, CRLF). */
  readonly raw: Buffer;
  /** MAIL FROM address. */
  readonly mailFrom: string;
  /** RCPT TO addresses. */
  readonly rcptTo: readonly string[];
  /** Whether the session used TLS (implicit or STARTTLS). */
  readonly secure: boolean;
  /** The authenticated user, if any. */
  readonly user: string | undefined;
  /** The client's address as the server saw it (checks the source address setting). */
  readonly remoteAddress: string;
  /** The name the client sent in EHLO. */
  readonly ehlo: string;
  /** The SNI name the client asked for, when TLS was used. */
  readonly servername: string | undefined;
}

/** Options of {@link startSmtpTestServer}. */
export interface SmtpTestServerOptions {
  /** `starttls` (default; needs `cert`/`key`), `implicit` (SMTPS; needs `cert`/`key`) or `none`. */
  readonly tls?: 'starttls' | 'implicit' | 'none';
  /** TLS certificate (PEM). */
  readonly cert?: string;
  /** TLS private key (PEM). */
  readonly key?: string;
  /** Accepted logins (user → password); AUTH is required when given, wrong ones get 535. */
  readonly users?: Readonly<Record<string, string>>;
  /** AUTH mechanisms offered (default PLAIN and LOGIN). */
  readonly authMethods?: readonly ('PLAIN' | 'LOGIN' | 'CRAM-MD5')[];
  /** Replies to RCPT TO per address, e.g. `{ 'gone@example.org': '550 No such user' }`. */
  readonly rcpt?: Readonly<Record<string, string>>;
  /** Reply to every MAIL FROM, e.g. `451 Try again later`. */
  readonly mailFrom?: string;
}

/** A running SMTP test server on 127.0.0.1. */
export interface SmtpTestServer {
  readonly host: string;
  readonly port: number;
  /** Everything received, oldest first. */
  readonly received: SmtpTestMessage[];
  /** Number of TCP connections accepted so far (proves pooling, or that nothing connected). */
  connections(): number;
  /** Stops listening and ends open (pooled) connections. */
  close(): Promise<void>;
}

function reply(text: string): Error {
  const match = /^(\d{3})\s+(.*)$/.exec(text);
  if (!match) throw new TypeError(`not an SMTP reply: ${text}`);
  return Object.assign(new Error(match[2]), { responseCode: Number(match[1]) });
}

/** See {@link startSmtpTestServer} in `transportkit/testing`. */
export async function startSmtpTestServer(options: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
  const received: SmtpTestMessage[] = [];
  const sni = new Map<string, string>();
  let connections = 0;
  const mode = options.tls ?? 'starttls';
  const users = options.users;
  const config: SMTPServerOptions = {
    logger: false,
    disableReverseLookup: true,
    // Pooled clients keep idle connections open; do not wait 30 s for them on close.
    closeTimeout: 50,
    secure: mode === 'implicit',
    ...(mode === 'none' ? { disabledCommands: ['STARTTLS'] } : { key: options.key, cert: options.cert }),
    ...(users === undefined ? { authOptional: true } : { authMethods: [...(options.authMethods ?? ['PLAIN', 'LOGIN'])] }),
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onSecure(socket, session, callback) {
      const name = (socket as TLSSocket).servername;
      if (typeof name === 'string') sni.set(session.id, name);
      callback();
    },
    onAuth(auth, _session, callback) {
      if (users !== undefined && auth.username !== undefined && users[auth.username] === auth.password) return callback(null, { user: auth.username });
      callback(reply('535 Invalid username or password'));
    },
    onMailFrom(_address, _session, callback) {
      callback(options.mailFrom ? reply(options.mailFrom) : undefined);
    },
    onRcptTo(address, _session, callback) {
      const answer = options.rcpt?.[address.address];
      callback(answer ? reply(answer) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          raw: Buffer.concat(chunks),
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
          remoteAddress: session.remoteAddress,
          ehlo: session.hostNameAppearsAs,
          servername: sni.get(session.id),
        });
        callback(null, 'Queued');
      });
    },
  };
  const server = new SMTPServer(config);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    received,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
