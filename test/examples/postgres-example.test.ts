import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateSecretKey } from '../../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/postgres.ts', () => {
  it('runs on PGlite in a directory and finds its provider again in a second run', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tk-example-pg-')), 'data');
    const env = { ...process.env, TK_KEY: generateSecretKey(), DATABASE_URL: '' };
    const run = () => JSON.parse(execFileSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'examples/postgres.ts'), dir], { cwd: root, env }).toString()) as Record<string, unknown>;
    expect(run()).toEqual({ driver: 'pglite', schemaVersion: 3, providers: 1, accepted: ['+41791234567'], sent: 1 });
    expect(run()).toEqual({ driver: 'pglite', schemaVersion: 3, providers: 1, accepted: ['+41791234567'], sent: 2 });
  });
});
