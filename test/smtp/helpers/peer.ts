import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A message the peer received. */
export interface Received {
  readonly raw: Buffer;
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly secure: boolean;
  readonly user: string | undefined;
  readonly remoteAddress: string;
  /** The name the client sent in EHLO. */
  readonly ehlo: string;
  /** The SNI name the client asked for, when TLS was used. */
  readonly servername: string | undefined;
}

/** Options of {@link startPeer}. */
export interface PeerOptions {
  /** `starttls` (default), `implicit` (SMTPS) or `none` (no TLS offered). */
  readonly tls?: 'starttls' | 'implicit' | 'none';
  readonly cert?: string;
  readonly key?: string;
  /** Accepted logins; AUTH is required when given. */
  readonly users?: Readonly<Record<string, string>>;
  readonly authMethods?: readonly string[];
  /** Replies to RCPT TO per address (e.g. `550 No such user`). */
  readonly rcpt?: Readonly<Record<string, string>>;
  /** Reply to MAIL FROM (e.g. `451 Try again later`). */
  readonly mailFrom?: string;
}

/** A running smtp-server peer on 127.0.0.1. */
export interface Peer {
  readonly port: number;
  readonly received: Received[];
  /** Number of TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

function reply(text: string): Error {
  const match = /^(\d{3})\s+(.*)$/.exec(text)!;
  return Object.assign(new Error(match[2]), { responseCode: Number(match[1]) });
}

/** Starts an smtp-server peer (reference 3.1) on an ephemeral port. */
export async function startPeer(options: PeerOptions = {}): Promise<Peer> {
  const received: Received[] = [];
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A raw TCP peer scripted line by line, for misbehaving servers. */
export interface RawPeer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A minimal plaintext SMTP speaker that accepts the envelope and then drops the connection in
 * the middle of DATA (after the first bytes of the message), or never greets (`silent`).
 */
export async function startRawPeer(behaviour: 'drop-mid-data' | 'silent'): Promise<RawPeer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (behaviour === 'silent') return;
    let inData = false;
    socket.write('220 raw.test ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      if (inData) {
        socket.destroy();
        return;
      }
      for (const line of chunk.toString('latin1').split('\r\n').filter(Boolean)) {
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-raw.test\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
