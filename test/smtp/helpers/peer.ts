import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export { startSmtpTestServer } from '../../../src/testing/index.js';
export type { SmtpTestServer } from '../../../src/testing/index.js';

/** A raw TCP peer scripted line by line, for misbehaving servers. */
export interface RawPeer {
  readonly port: number;
  /** Every command line received, oldest first (message content excluded). */
  readonly lines: string[];
  close(): Promise<void>;
}

/** How a {@link startRawPeer} behaves. */
export type RawPeerBehaviour =
  /** Accepts the envelope, then drops the connection in the middle of DATA. */
  | 'drop-mid-data'
  /** Never greets. */
  | 'silent'
  /** Offers AUTH but no STARTTLS (502 to STARTTLS), and takes any AUTH: shows a password sent in clear. */
  | 'no-starttls'
  /** Offers STARTTLS and answers it `454 TLS not available`. */
  | 'starttls-454'
  /** Takes the whole message, then never answers the final dot. */
  | 'stall-after-data';

/** A minimal plaintext SMTP speaker with one scripted misbehaviour (see {@link RawPeerBehaviour}). */
export async function startRawPeer(behaviour: RawPeerBehaviour): Promise<RawPeer> {
  const sockets = new Set<Socket>();
  const lines: string[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (behaviour === 'silent') return;
    let inData = false;
    let pending = '';
    socket.write('220 raw.test ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      if (inData) {
        if (behaviour === 'drop-mid-data') socket.destroy();
        else if (behaviour !== 'stall-after-data') {
          // The others take the message; stall-after-data swallows it and the final dot, answering nothing.
          pending += chunk.toString('latin1');
          if (pending.endsWith('\r\n.\r\n')) {
            inData = false;
            pending = '';
            socket.write('250 2.0.0 Queued\r\n');
          }
        }
        return;
      }
      pending += chunk.toString('latin1');
      const parts = pending.split('\r\n');
      pending = parts.pop() ?? '';
      for (const line of parts.filter(Boolean)) {
        lines.push(line);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') {
          const extra = behaviour === 'starttls-454' ? '250-STARTTLS\r\n' : '';
          socket.write(`250-raw.test\r\n${extra}250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n`);
        } else if (verb === 'STAR') socket.write(behaviour === 'starttls-454' ? '454 4.7.0 TLS not available due to local problem\r\n' : '502 5.5.1 Unrecognized command\r\n');
        else if (verb === 'AUTH') socket.write('235 2.7.0 Authentication successful\r\n');
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
    lines,
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
