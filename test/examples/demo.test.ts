import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run demo (examples/demo.ts)', () => {
  it('runs every provider type against the loopback peers and exits 0 with every step passed', async () => {
    const { stdout } = await promisify(execFile)(join(root, 'node_modules/.bin/tsx'), [join(root, 'examples/demo.ts')], { cwd: root, timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(stdout).toMatch(/demo passed: \d+ step\(s\) passed, 0 failed/);
    expect(stdout).not.toContain('✗');
    for (const line of ['send a signed e-mail', 'send an SMS', 'send an end-to-end encrypted Threema message', 'exactly one low-balance warning', 'refuse the same code again (replay)', 'receive its delivery notification: the status moves to delivered', 'deliver a one-time code over the route to a number without Threema ID']) {
      expect(stdout).toContain(line);
    }
    expect(stdout).toMatch(/Providers\n[\s\S]*Office relay \(S\/MIME\)\s+smtp\s+ok/);
    expect(stdout).toMatch(/Events \(\d+/);
  });
});
