/**
 * Import cost: time, module count and vendor packages to import the core entry versus each
 * subpath of the exports map (new subpaths are measured as they are added), in fresh processes.
 * `transportkit/aspsms` defers `soap` to the first request; the "+ first request" variant shows
 * what that request adds.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median, quick, report } from '../lib.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { exports: Record<string, unknown> };
const specifiers = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? 'transportkit' : `transportkit/${k.slice(2)}`));

// A resolve hook counts every module the import pulls in and the packages they come from.
const hook = `data:text/javascript,${encodeURIComponent(`
  let n = 0; const packages = new Set();
  export async function resolve(s, c, next) {
    const r = await next(s, c); n++;
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url); if (m) packages.add(m[1]);
    return r;
  }
  export async function load(u, c, next) {
    if (u === 'transportkit:count') return { format: 'module', source: 'export default ' + JSON.stringify({ modules: n, packages: [...packages] }), shortCircuit: true };
    return next(u, c);
  }
`)}`;
const probe = (specifiers: readonly string[]) => `
  import { createRequire, register } from 'node:module';
  register(${JSON.stringify(hook)});
  const t0 = performance.now();
  for (const s of ${JSON.stringify(specifiers)}) await import(s);
  const ms = performance.now() - t0;
  const { default: esm } = await import('transportkit:count');
  // CommonJS modules (soap, axios, ...) load through require(), which the ESM hook does not see.
  const cjs = Object.keys(createRequire(import.meta.url).cache);
  const packages = new Set(esm.packages);
  for (const f of cjs) { const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f); if (m) packages.add(m[1]); }
  console.log(JSON.stringify({ ms, modules: esm.modules + cjs.length, packages: packages.size }));`;

const runs = quick ? 2 : 5;
const measure = (variant: string, imports: readonly string[]) => {
  const samples = Array.from({ length: runs }, () =>
    JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe(imports)], { cwd: root }).toString()) as { ms: number; modules: number; packages: number },
  );
  return {
    variant,
    work: 'import in a fresh process',
    runsMs: samples.map((s) => s.ms),
    extra: { modules: median(samples.map((s) => s.modules)), packages: median(samples.map((s) => s.packages)) },
    ...(variant === 'transportkit' ? {} : { baselineOf: 'transportkit' }),
  };
};
const variants = specifiers.map((specifier) => measure(specifier, [specifier]));
if (specifiers.includes('transportkit/aspsms')) variants.push(measure('transportkit/aspsms + first request (soap)', ['transportkit/aspsms', 'soap']));
report({
  scenario: 'import cost',
  goal: 'the core entry loads no vendor library (checked by test/package); transportkit/aspsms loads soap only on the first request',
  variants,
  notes: ['module count = ES modules resolved (including node: builtins) plus CommonJS modules loaded; packages = distinct packages under node_modules'],
});
