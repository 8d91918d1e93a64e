import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export { startSmtpTestServer } from '../../../src/testing/index.js';
export type { SmtpTestServer } from '../../../src/testing/index.js';

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
