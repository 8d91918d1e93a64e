/**
 * `npm run demo -- --serve`: after its steps the demo serves the admin console on its registry
 * at 127.0.0.1 with the peers still running, and stops cleanly on Ctrl-C (SIGINT).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './helpers.js';

describe('npm run demo -- --serve', () => {
  it('serves the console on the demo registry until Ctrl-C, then exits 0', async () => {
    // One process (node with the tsx loader) gets the SIGINT, as the demo's own process does on Ctrl-C.
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'examples/demo.ts'), '--serve', '--port', '0'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const signIn = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no console URL within 120 s:\n${out}\n${err}`)), 120_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const match = /Admin console: (http:\/\/127\.0\.0\.1:\d+\/admin\/\?token=[\w-]+)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        void exited.then((code) => reject(new Error(`the demo exited (${code}) before serving:\n${out}\n${err}`)));
      });
      const base = new URL(signIn).origin;

      // Without the one-time link: refused.
      expect((await fetch(`${base}/admin/`)).status).toBe(401);
      // The link swaps the token for an HttpOnly cookie.
      const login = await fetch(signIn, { redirect: 'manual' });
      expect(login.status).toBe(303);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      expect(login.headers.get('set-cookie')).toContain('HttpOnly');
      const page = await fetch(`${base}/admin/`, { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('tk-admin-boot');

      const get = async (path: string): Promise<unknown> => (await fetch(`${base}/admin/api${path}`, { headers: { cookie } })).json();
      const { providers } = (await get('/providers')) as { providers: { id: string; name: string; type: string }[] };
      expect(providers.map((p) => p.type).sort()).toEqual(['aspsms', 'route', 'smtp', 'smtp', 'threema', 'totp']);
      const sms = providers.find((p) => p.type === 'aspsms')!;
      const { status } = (await get(`/providers/${sms.id}/balance`)) as { status: { recipientReady: boolean; lastWarningDay?: string } };
      expect(status.recipientReady).toBe(true);
      expect(status.lastWarningDay).toMatch(/^\d{4}-\d{2}-\d{2}$/);

      // The peers still run: a Test of the Threema provider reaches the gateway mock.
      const { csrfToken } = (await get('/session')) as { csrfToken: string };
      const im = providers.find((p) => p.type === 'threema')!;
      const test = await fetch(`${base}/admin/api/providers/${im.id}/test`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrfToken, origin: base },
        body: JSON.stringify({ to: 'ECHOECHO', confirm: true }),
      });
      const lines = (await test.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; report?: { ok: boolean } });
      expect(lines.at(-1)).toMatchObject({ type: 'report', report: { ok: true } });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('Admin console stopped.');
    expect(out).not.toContain('✗');
    expect(out).toMatch(/demo passed: \d+ step\(s\) passed, 0 failed/);
  }, 180_000);
});
