/**
 * The README's admin console examples (node:http, Express, Hono), each started as its own
 * process the way a user runs it, then driven over HTTP like the browser UI does.
 * They import `transportkit/admin` by its public name, i.e. the built package (`npm run build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { root } from './helpers.js';

const PASSWORD = 'example-Password-1';
const basic = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts an example and resolves with the URL it prints. */
function start(file: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'examples', file)], {
    cwd: root,
    env: { ...process.env, PORT: '0', ADMIN_PASSWORD: PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${file} printed no URL within 30 s: ${out}${err}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, url: (JSON.parse(line) as { url: string }).url });
      }
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}: ${err}`)));
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/** What every example must do: refuse strangers, serve the UI and the API, take a change, stop on SIGTERM. */
async function exercise(file: string): Promise<string> {
  const { child, url } = await start(file);
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/admin\/$/);
  const stranger = await fetch(url);
  expect(stranger.status).toBe(401);
  expect(stranger.headers.get('www-authenticate')).toContain('Basic');
  const page = await fetch(url, { headers: { authorization: basic } });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  const html = await page.text();
  const script = /src="([^"]+admin\.js\?v=\w+)"/.exec(html)![1]!;
  const asset = await fetch(new URL(script, url), { headers: { authorization: basic } });
  expect(asset.status).toBe(200);
  expect(asset.headers.get('content-type')).toContain('javascript');
  const { csrfToken } = (await (await fetch(new URL('api/session', url), { headers: { authorization: basic } })).json()) as { csrfToken: string };
  const origin = new URL(url).origin;
  const create = (headers: Record<string, string>) =>
    fetch(new URL('api/providers', url), { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ type: 'memory', name: 'From the example test', config: { channel: 'sms' } }) });
  expect((await create({ origin: 'http://evil.example' , 'x-csrf-token': csrfToken })).status).toBe(403);
  const created = await create({ origin, 'x-csrf-token': csrfToken });
  expect(created.status).toBe(201);
  const list = (await (await fetch(new URL('api/providers', url), { headers: { authorization: basic } })).json()) as { providers: { name: string }[] };
  expect(list.providers.map((p) => p.name)).toEqual(['From the example test']);
  child.kill('SIGTERM');
  expect(await exitCode(child)).toBe(0);
  return url;
}

describe('README admin console examples', () => {
  it('needs the built package', () => {
    expect(existsSync(join(root, 'dist/admin/index.js')), 'run `npm run build` first').toBe(true);
    expect(existsSync(join(root, 'dist/admin/assets/admin.js')), 'run `npm run build` first').toBe(true);
  });

  it('node:http (examples/admin-node-http.ts)', async () => {
    await exercise('admin-node-http.ts');
  }, 60_000);

  it('Express (examples/admin-express.ts), mounted before express.json()', async () => {
    const { child, url } = await start('admin-express.ts');
    const echo = await fetch(new URL('/api/echo', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"app":"still works"}' });
    expect(await echo.json()).toEqual({ app: 'still works' });
    child.kill('SIGTERM');
    await exitCode(child);
    await exercise('admin-express.ts');
  }, 60_000);

  it('Hono (examples/admin-hono.ts), with app.mount stripping the base path', async () => {
    const url = await exercise('admin-hono.ts');
    expect(url).toContain('/admin/');
  }, 60_000);
});
