import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Runs an example with every account variable cleared, so it uses the loopback mocks. */
async function run(file: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (/^(THREEMA_|SMTP_|ASPSMS_|CALLBACK_)/.test(key)) delete env[key];
  const { stdout } = await promisify(execFile)(join(root, 'node_modules/.bin/tsx'), [join(root, 'examples', file)], { cwd: root, env, timeout: 60_000 });
  return stdout;
}

describe('examples that need no real account run against the mocks', () => {
  it('threema-send-receive: sends E2E, reads credits, receives a callback and answers with a receipt', async () => {
    const out = await run('threema-send-receive.ts');
    expect(out).toMatch(/sent as [0-9a-f]{16}/);
    expect(out).toContain('mock recipient read: {"type":"text","text":"Hello from transportkit 👋"}');
    expect(out).toContain('Echo wrote: Hi back!');
    expect(out).toContain('callback answered 200');
  });

  it('totp-enrol: enrols, refuses a replay and delivers a German one-time code', async () => {
    const out = await run('totp-enrol.ts');
    expect(out).toMatch(/otpauth:\/\/totp\/ACME%20Co:alice%40example\.org\?secret=[A-Z2-7]{32}/);
    expect(out).toContain('confirm: { ok: true }');
    expect(out).toContain("same code again: { ok: false, reason: 'replayed' }");
    expect(out).toMatch(/SMS text: Ihr Anmeldecode: \d{6}/);
    expect(out).toContain('verify delivered code: { ok: true }');
  });

  it('balance-monitor: the timer run warns once below the threshold', async () => {
    const out = await run('balance-monitor.ts');
    expect(out).toContain('recipient ready: true (+41791234567)');
    expect(out).toMatch(/warnings sent: \[\s*'\+41791234567: Low balance: transport provider "SMS gateway" has 42 credits left/);
  });
});
