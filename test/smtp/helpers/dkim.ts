import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** Debian's python (another python earlier on PATH may not see the Debian module). */
const PYTHON = '/usr/bin/python3';

/** True when dkimpy can run here (`apt-get install -y python3-dkim`). */
export const dkimpyAvailable = spawnSync(PYTHON, ['-c', 'import dkim'], { stdio: 'ignore' }).status === 0;

/** One verdict of dkimpy. */
export interface DkimVerdict {
  readonly ok: boolean;
  /** dkimpy's log, which says why a signature failed. */
  readonly log: string;
}

/**
 * Verifies DKIM signatures with dkimpy, an independent implementation; `records` stands in for
 * DNS (`<selector>._domainkey.<domain>` → TXT record).
 */
export function verifyDkim(messages: readonly Buffer[], records: Readonly<Record<string, string>>): DkimVerdict[] {
  const script = fileURLToPath(new URL('./dkim-verify.py', import.meta.url));
  const input = JSON.stringify({ records, messages: messages.map((m) => m.toString('base64')) });
  const run = spawnSync(PYTHON, [script], { input, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`dkim-verify.py failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as DkimVerdict[];
}

/** A fresh RSA key pair as PEM (PKCS#8 private, SPKI public). */
export function rsaKeyPair(bits = 2048): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', { modulusLength: bits, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
}
