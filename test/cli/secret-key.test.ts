import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';
import { SecretBox } from '../../src/index.js';

async function run(argv: readonly string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), readStdin: async () => '' });
  return { code, out, err };
}

describe('transportkit secret-key', () => {
  it('prints a fresh key that SecretBox accepts, different each time', async () => {
    const first = await run(['secret-key']);
    const second = await run(['secret-key']);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^base64:[A-Za-z0-9+/]{43}=\n$/);
    expect(first.out).not.toBe(second.out);
    expect(new SecretBox({ keys: { k1: first.out.trim() }, current: 'k1' }).currentKeyId).toBe('k1');
  });

  it('answers --help and refuses arguments with exit 2', async () => {
    expect((await run(['secret-key', '--help'])).out).toContain('transportkit threema keygen');
    expect(await run(['secret-key', 'extra'])).toMatchObject({ code: 2, err: expect.stringContaining('takes no arguments') });
    expect((await run(['--help'])).out).toContain('secret-key');
  });
});
