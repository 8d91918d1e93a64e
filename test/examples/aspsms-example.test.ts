import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/aspsms-send.ts', () => {
  it('runs offline against the loopback mock when no ASPSMS account is configured', () => {
    const env = { ...process.env, ASPSMS_USERKEY: '', ASPSMS_PASSWORD: '', ASPSMS_URL: '' };
    const out = execFileSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'examples/aspsms-send.ts')], { cwd: root, env, timeout: 30_000 }).toString();
    expect(out).toContain('test: ok');
    expect(out).toMatch(/sent 1 part\(s\) to \+41791234567 as [A-Z2-7]{16}/);
    expect(out).toContain('credits left: 24.5');
    expect(out).toMatch(/delivery [A-Z2-7]{16}0: delivered \(reason 000\)/);
  });
});
