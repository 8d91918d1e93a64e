import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pkg, root, specifierOf, subpaths, targetOf } from './package-info.js';

/** Imports specifiers by the package's public name in a fresh Node process (self-reference through the exports map). */
function importInNode(specifiers: string[]): Record<string, string[]> {
  const script = `
    const out = {};
    for (const s of ${JSON.stringify(specifiers)}) out[s] = Object.keys(await import(s)).sort();
    console.log(JSON.stringify(out));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root }).toString()) as Record<string, string[]>;
}

/** Every bare package a built module pulls in statically, following relative imports. */
function staticPackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
      const spec = (match[1] ?? match[2])!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(entry);
  return packages;
}

describe('the built package', () => {
  it('declares types first and one target for every condition (import and require load the same module), and the files exist', () => {
    expect(pkg.name).toBe('transportkit');
    for (const subpath of subpaths) {
      const target = targetOf(subpath);
      expect(Object.keys(target), subpath).toEqual(['types', 'default']);
      expect(readFileSync(resolve(root, target.default), 'utf8').length).toBeGreaterThan(0);
      expect(readFileSync(resolve(root, target.types), 'utf8').length).toBeGreaterThan(0);
    }
  });

  it('imports every subpath by its public name through the exports map', () => {
    const specifiers = subpaths.map(specifierOf);
    const loaded = importInNode(specifiers);
    expect(loaded[pkg.name]).toEqual(expect.arrayContaining(['createRegistry', 'TransportError', 'isTransportError', 'memoryStorage', 'SecretBox']));
    expect(loaded[`${pkg.name}/testing`]).toEqual(expect.arrayContaining(['memoryTransport', 'runStorageConformance']));
    for (const specifier of specifiers) expect(loaded[specifier]!.length).toBeGreaterThan(0);
  });

  it('keeps vendor libraries out of the core entry', () => {
    const used = staticPackages(resolve(root, 'dist/index.js'));
    for (const vendor of ['nodemailer', 'soap', 'undici', 'node-forge', 'tweetnacl', 'otplib']) expect(used.has(vendor)).toBe(false);
    expect([...used]).toEqual(['zod']);
  });

  it('loads soap only on the first ASPSMS request, not when transportkit/aspsms is imported or a provider is built', () => {
    expect(staticPackages(resolve(root, targetOf('./aspsms').default)).has('soap')).toBe(false);
    const script = `
      import { createRequire } from 'node:module';
      const soapLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes('/node_modules/soap/'));
      const { createRegistry } = await import('transportkit');
      const { aspsms, aspsmsSendDetails } = await import('transportkit/aspsms');
      const { startAspsmsMock } = await import('transportkit/testing');
      const registry = createRegistry({ types: [aspsms()] });
      const idle = await registry.create({ type: 'aspsms', name: 'idle', config: { userKey: 'KEY1', originator: 'Shop', serviceUrl: 'http://127.0.0.1:9/' }, secrets: { password: 'pw' } });
      await registry.resolve(idle.id);
      const before = soapLoaded();
      // The mock peer itself runs on soap: start it only now.
      const mock = await startAspsmsMock({ accounts: [{ userKey: 'KEY1', password: 'pw', credits: 5 }] });
      const sms = await registry.create({ type: 'aspsms', name: 'SMS', config: { userKey: 'KEY1', originator: 'Shop', serviceUrl: mock.url }, secrets: { password: 'pw' } });
      const result = await registry.send(sms.id, { to: '+41791234567', text: 'hi' });
      console.log(JSON.stringify({ before, after: soapLoaded(), accepted: result.accepted, operation: aspsmsSendDetails(result)?.operation }));
      await registry.close();
      await mock.close();`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root }).toString()) as Record<string, unknown>;
    expect(out).toEqual({ before: false, after: true, accepted: ['+41791234567'], operation: 'SendTextSMS' });
  });

  it('loads the PostgreSQL drivers only when postgresStorage() opens one, and nowhere else', () => {
    for (const subpath of subpaths) {
      const used = staticPackages(resolve(root, targetOf(subpath).default));
      expect(used.has('pg'), subpath).toBe(false);
      expect(used.has('@electric-sql/pglite'), subpath).toBe(false);
    }
  });

  it('keeps heavy vendor libraries out of the testing entry until a mock peer is started', () => {
    const used = staticPackages(resolve(root, 'dist/testing/index.js'));
    for (const vendor of ['nodemailer', 'soap', 'undici', 'node-forge', 'smtp-server']) expect(used.has(vendor)).toBe(false);
  });

  it('declares only dependencies the built code imports, and a nodemailer range that dedupes with the smtp-server peer', () => {
    const used = new Set(subpaths.flatMap((s) => [...staticPackages(resolve(root, targetOf(s).default))]));
    const dynamic = ['soap', 'nodemailer', 'smtp-server', 'pg', '@electric-sql/pglite'];
    for (const dependency of Object.keys(pkg.dependencies)) expect(used.has(dependency) || dynamic.includes(dependency), dependency).toBe(true);
    // smtp-server pins an exact nodemailer; our range must admit it so npm installs one copy.
    const pinned = (JSON.parse(readFileSync(resolve(root, 'node_modules/smtp-server/package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies.nodemailer!;
    const [major, minor, patch] = pinned.split('.').map(Number) as [number, number, number];
    const floor = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(pkg.dependencies.nodemailer!)!.slice(1).map(Number) as [number, number, number];
    expect(floor[0]).toBe(major);
    expect(floor[1] * 1e6 + floor[2] <= minor * 1e6 + patch, `nodemailer ${pkg.dependencies.nodemailer} must admit smtp-server's ${pinned}`).toBe(true);
  });
});
