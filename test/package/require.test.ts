/**
 * CommonJS hosts: every entry point loads with `require()` from a `.cjs` file, in its own Node
 * process, through the exports map of an installed copy (a scratch app whose
 * node_modules/transportkit links to this package). Node >= 20.19 loads ES modules with
 * `require()` when no module of the graph uses top-level await.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkg, root, specifierOf, subpaths } from './package-info.js';

let app: string;

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'transportkit-cjs-'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'cjs-host', private: true, type: 'commonjs' }));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', pkg.name), 'dir');
});

afterAll(() => rmSync(app, { recursive: true, force: true }));

/** Runs a `.cjs` file in the scratch app and returns its stdout, stderr and exit status. */
function runCjs(name: string, source: string): { status: number | null; stdout: string; stderr: string } {
  const file = join(app, name);
  writeFileSync(file, source);
  const result = spawnSync(process.execPath, [file], { cwd: app, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The run-time export names of a specifier as `import()` sees them, in a fresh process. */
function importedNames(specifier: string): string[] {
  const script = `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app }).toString()) as string[];
}

describe('require() from CommonJS', () => {
  it('runs on a Node.js that loads ES modules with require() (>= 20.19, process.features.require_module)', () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    expect(major > 20 || (major === 20 && minor >= 19), process.version).toBe(true);
    expect(pkg.engines.node).toBe('>=20.19');
    const probe = runCjs('probe.cjs', 'console.log(JSON.stringify(process.features.require_module));');
    expect(probe).toMatchObject({ status: 0, stdout: 'true\n' });
  });

  it.each(subpaths.map((subpath) => [specifierOf(subpath)]))('require(%j) from a .cjs file gives the same exports as import()', (specifier) => {
    const result = runCjs(
      `require-${specifier.replace(/\W+/g, '-')}.cjs`,
      `'use strict';
const m = require(${JSON.stringify(specifier)});
const names = Object.keys(m).sort();
if (names.length === 0) throw new Error('no exports');
for (const name of names) if (m[name] === undefined) throw new Error('undefined export ' + name);
console.log(JSON.stringify(names));
`,
    );
    expect(result.stderr).not.toMatch(/ERR_REQUIRE_ASYNC_MODULE|ERR_REQUIRE_ESM|ERR_PACKAGE_PATH_NOT_EXPORTED|Error/);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(importedNames(specifier));
  });

  it('works from CommonJS end to end: a registry built with require() sends through the in-memory transport', () => {
    const result = runCjs(
      'quick-start.cjs',
      `'use strict';
const { createRegistry, generateSecretKey, isTransportError } = require('transportkit');
const { memoryTransport } = require('transportkit/testing');
const { smsLength } = require('transportkit/aspsms');
(async () => {
  const memory = memoryTransport();
  const registry = createRegistry({ types: [memory], secretKeys: { keys: { k1: generateSecretKey() }, current: 'k1' } });
  const sms = await registry.create({ type: 'memory', name: 'SMS', config: { channel: 'sms' } });
  const result = await registry.send(sms.id, { to: '+41 79 123 45 67', text: 'Hello' });
  const error = await registry.send('missing', { to: '+41791234567', text: 'x' }).catch((e) => e);
  await registry.close();
  console.log(JSON.stringify({ accepted: result.accepted, sent: memory.outbox().length, code: isTransportError(error) && error.code, parts: smsLength('Hello').segments }));
})().catch((error) => { console.error(error); process.exitCode = 1; });
`,
    );
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ accepted: ['+41791234567'], sent: 1, code: 'NOT_FOUND', parts: 1 });
  });
});
