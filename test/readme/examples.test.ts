/** The examples the README points to behave for a first-time user: no stack traces, no files left behind. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from './snippets.js';

const tsx = join(root, 'node_modules/.bin/tsx');
const cwd = mkdtempSync(join(tmpdir(), 'transportkit-examples-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** Runs an example from an empty working directory with a clean environment (no SMTP_* or SMIME_*). */
function example(file: string, env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SMTP_|SMIME_|TK_KEY$)/.test(k)));
  return spawnSync(tsx, [join(root, 'examples', file)], { cwd, encoding: 'utf8', env: { ...clean, ...env }, timeout: 60_000 });
}

describe('examples', () => {
  it('smtp-smime without settings prints what to set and exits 2, without a stack trace', () => {
    const result = example('smtp-smime.ts');
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^missing SMTP_HOST, SMTP_FROM, SMTP_TO\n/);
    for (const name of ['SMTP_HOST', 'SMTP_FROM', 'SMTP_TO', 'SMTP_PASSWORD', 'SMIME_P12', 'SMIME_PASSPHRASE']) expect(result.stderr).toContain(name);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('smtp-smime with an invalid setting names the field and exits 2', () => {
    const result = example('smtp-smime.ts', { SMTP_HOST: '127.0.0.1', SMTP_PORT: 'abc', SMTP_FROM: 'app@example.org', SMTP_TO: 'me@example.org' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('config.port');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('json-file-storage without a path leaves no file in the working directory', () => {
    const result = example('json-file-storage.ts');
    expect(result.status).toBe(0);
    const { file, providers } = JSON.parse(result.stdout) as { file: string; providers: number };
    expect(providers).toBe(1);
    expect(file.startsWith(tmpdir())).toBe(true);
    expect(readdirSync(cwd)).toEqual([]);
    rmSync(join(file, '..'), { recursive: true, force: true });
  });
});
