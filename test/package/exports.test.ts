import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string | { types: string; import: string }>;
  bin: Record<string, string>;
};
const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');

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
  it('declares types and an import target for every subpath, and the files exist', () => {
    expect(pkg.name).toBe('transportkit');
    for (const subpath of subpaths) {
      const target = pkg.exports[subpath] as { types: string; import: string };
      expect(readFileSync(resolve(root, target.import), 'utf8').length).toBeGreaterThan(0);
      expect(readFileSync(resolve(root, target.types), 'utf8').length).toBeGreaterThan(0);
    }
  });

  it('imports every subpath by its public name through the exports map', () => {
    const specifiers = subpaths.map((s) => (s === '.' ? pkg.name : `${pkg.name}/${s.slice(2)}`));
    const loaded = importInNode(specifiers);
    expect(loaded[pkg.name]).toEqual(expect.arrayContaining(['createRegistry', 'TransportError', 'isTransportError', 'memoryStorage', 'SecretBox']));
    expect(loaded[`${pkg.name}/testing`]).toEqual(expect.arrayContaining(['memoryTransport', 'runStorageConformance']));
    for (const specifier of specifiers) expect(loaded[specifier]!.length).toBeGreaterThan(0);
  });

  it('keeps vendor libraries out of the core entry', () => {
    const used = staticPackages(resolve(root, 'dist/index.js'));
    for (const vendor of ['nodemailer', 'soap', 'undici', 'node-forge', 'tweetnacl', 'tweetnacl-util', 'otplib']) expect(used.has(vendor)).toBe(false);
    expect([...used]).toEqual(['zod']);
  });

  it('loads the PostgreSQL drivers only when postgresStorage() opens one, and nowhere else', () => {
    for (const subpath of subpaths) {
      const target = pkg.exports[subpath] as { import: string };
      const used = staticPackages(resolve(root, target.import));
      expect(used.has('pg'), subpath).toBe(false);
      expect(used.has('@electric-sql/pglite'), subpath).toBe(false);
    }
  });

  it('keeps heavy vendor libraries out of the testing entry until a mock peer is started', () => {
    const used = staticPackages(resolve(root, 'dist/testing/index.js'));
    for (const vendor of ['nodemailer', 'soap', 'undici', 'node-forge', 'smtp-server']) expect(used.has(vendor)).toBe(false);
  });
});
