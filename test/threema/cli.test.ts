import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/index.js';
import { derivePublicKey } from '../../src/providers/threema/index.js';
import { V } from './vectors.js';

async function run(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), readStdin: async () => stdin };
  const code = await main(argv, io);
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'transportkit-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('transportkit threema CLI', () => {
  it('keygen prints a matching key pair', async () => {
    const { code, out } = await run(['threema', 'keygen']);
    expect(code).toBe(0);
    const [priv, pub] = out.trim().split('\n');
    expect(priv).toMatch(/^private:[0-9a-f]{64}$/);
    expect(pub).toBe(derivePublicKey(priv!));
    const json = JSON.parse((await run(['threema', 'keygen', '--json'])).out) as { privateKey: string; publicKey: string };
    expect(derivePublicKey(json.privateKey)).toBe(json.publicKey);
  });

  it('keygen --private-file writes a 600 file, prints only the public key and never overwrites', async () => {
    const file = join(dir, 'gateway.key');
    const first = await run(['threema', 'keygen', '--private-file', file]);
    expect(first.code).toBe(0);
    const priv = readFileSync(file, 'utf8').trim();
    expect(first.out.trim()).toBe(derivePublicKey(priv));
    expect(first.out).not.toContain('private:');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = await run(['threema', 'keygen', '--private-file', file]);
    expect(second).toMatchObject({ code: 1, err: expect.stringContaining('already exists') });
    expect(readFileSync(file, 'utf8').trim()).toBe(priv);
  });

  it('derive works from an argument and from stdin, and refuses bad keys without echoing them', async () => {
    expect(await run(['threema', 'derive', V.myPrivateKey])).toMatchObject({ code: 0, out: `${V.myPublicKey}\n` });
    expect(await run(['threema', 'derive'], `${V.otherPrivateKey}\n`)).toMatchObject({ code: 0, out: `${V.otherPublicKey}\n` });
    expect(await run(['threema', 'derive', '-'], `${V.myPrivateKey}\n`)).toMatchObject({ code: 0, out: `${V.myPublicKey}\n` });
    const bad = await run(['threema', 'derive', V.myPublicKey]);
    expect(bad).toMatchObject({ code: 2, err: expect.stringContaining('invalid key type') }); // invalid input: exit 2, as every usage error
    expect(bad.err).not.toContain(V.myPublicKey.slice(7));
  });

  it('hash-phone and hash-email print the documented hashes', async () => {
    expect(await run(['threema', 'hash-phone', '+41 79 123 45-67'])).toMatchObject({ code: 0, out: 'ad398f4d7ebe63c6550a486cc6e07f9baa09bd9d8b3d8cb9d9be106d35a7fdbc\n' });
    expect(await run(['threema', 'hash-email', '  Test@Threema.ch '])).toMatchObject({ code: 0, out: '1ea093239cc5f0e1b6ec81b866265b921f26dc4033025410063309f4d1a8ee2c\n' });
    expect(JSON.parse((await run(['threema', 'hash-phone', '--json', '+41791234567'])).out)).toEqual({ normalized: '41791234567', hash: 'ad398f4d7ebe63c6550a486cc6e07f9baa09bd9d8b3d8cb9d9be106d35a7fdbc' });
    expect(await run(['threema', 'hash-phone', '12'])).toMatchObject({ code: 2, err: expect.stringContaining('5 to 15 digits') });
  });

  it('prints help and reports usage errors with exit code 2', async () => {
    expect(await run(['--help'])).toMatchObject({ code: 0, out: expect.stringContaining('threema') });
    expect(await run(['threema', '--help'])).toMatchObject({ code: 0, out: expect.stringContaining('hash-email') });
    expect(await run([])).toMatchObject({ code: 2, err: expect.stringContaining('Usage: transportkit') });
    expect(await run(['nope'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown command "nope"') });
    expect(await run(['threema', 'nope'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown command "threema nope"') });
    expect(await run(['threema', 'hash-email'])).toMatchObject({ code: 2 });
    expect(await run(['threema', 'keygen', '--bogus'])).toMatchObject({ code: 2, err: expect.stringContaining('bogus') });
  });

  it('runs as a program through its shebang entry', async () => {
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'src/cli/index.ts', 'threema', 'hash-email', 'test@threema.ch'], { cwd: process.cwd() });
    expect(stdout).toBe('1ea093239cc5f0e1b6ec81b866265b921f26dc4033025410063309f4d1a8ee2c\n');
    expect(readFileSync('src/cli/index.ts', 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
