import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const runExample = (file: string, args: string[] = []) =>
  execFileSync(tsx, [join(root, 'examples', file), ...args], { cwd: root, env: { ...process.env, TK_KEY: undefined } }).toString();

const dir = mkdtempSync(join(tmpdir(), 'tk-json-'));

describe('examples', () => {
  it('quick-start runs and sends through the default provider', () => {
    const out = JSON.parse(runExample('quick-start.ts')) as Record<string, unknown>;
    expect(out).toEqual({ accepted: ['+41791234567'], testOk: true, delivered: 2, usedBy: [
      { kind: 'form', id: 'contact', label: 'Contact form' },
      { kind: 'tenant-default', id: 'acme/sms', label: 'default sms provider of tenant acme' },
    ] });
  });

  it('json-file-storage runs and persists records with sealed secrets only', () => {
    const file = join(dir, 'demo.json');
    const out = JSON.parse(runExample('json-file-storage.ts', [file])) as { providers: number; events: number };
    expect(out.providers).toBe(1);
    expect(out.events).toBeGreaterThanOrEqual(2);
    const stored = readFileSync(file, 'utf8');
    expect(stored).toContain('tk1.k1.');
    expect(stored).not.toContain('"pw"');
  });
});
