import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's python (another python earlier on PATH may not see the Debian module). */
const PYTHON = '/usr/bin/python3';

/** True when aiosmtpd can run here (`apt-get install -y python3-aiosmtpd`). */
export const aiosmtpdAvailable = spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0;

/** A running aiosmtpd: an SMTP server that is not nodemailer's, keeping what it received. */
export interface AiosmtpdPeer {
  readonly port: number;
  /** The messages received so far, as the bytes the client sent (CRLF, dot-unstuffed). */
  messages(): Buffer[];
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts aiosmtpd on 127.0.0.1 (plain SMTP) and waits until it listens. */
export async function startAiosmtpd(): Promise<AiosmtpdPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'tk-aiosmtpd-'));
  const port = await freePort();
  const script = fileURLToPath(new URL('./aiosmtpd-peer.py', import.meta.url));
  const child = spawn(PYTHON, [script, '127.0.0.1', String(port), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`aiosmtpd exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('READY')) resolve();
    });
  });
  child.removeAllListeners('exit');
  return {
    port,
    messages: () => readdirSync(dir).sort().map((f) => readFileSync(join(dir, f))),
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
