/** Import cost: time and module count to import the core entry versus each subpath, in fresh processes. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median, quick, report } from '../lib.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { exports: Record<string, unknown> };
const specifiers = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? 'transportkit' : `transportkit/${k.slice(2)}`));

// A resolve hook counts every module the import pulls in.
const hook = `data:text/javascript,${encodeURIComponent(`
  let n = 0; export async function resolve(s, c, next) { n++; globalThis.__n = n; return next(s, c); }
  export async function load(u, c, next) { if (u === 'transportkit:count') return { format: 'module', source: 'export default ' + n, shortCircuit: true }; return next(u, c); }
`)}`;
const probe = (specifier: string) => `
  import { register } from 'node:module';
  register(${JSON.stringify(hook)});
  const t0 = performance.now();
  await import(${JSON.stringify(specifier)});
  const ms = performance.now() - t0;
  const { default: modules } = await import('transportkit:count');
  console.log(JSON.stringify({ ms, modules }));`;

const runs = quick ? 2 : 5;
const variants = specifiers.map((specifier) => {
  const samples = Array.from({ length: runs }, () =>
    JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe(specifier)], { cwd: root }).toString()) as { ms: number; modules: number },
  );
  return {
    variant: specifier,
    work: 'import in a fresh process',
    runsMs: samples.map((s) => s.ms),
    extra: { modules: median(samples.map((s) => s.modules)) },
    ...(specifier === 'transportkit' ? {} : { baselineOf: 'transportkit' }),
  };
});
report({ scenario: 'import cost', goal: 'the core entry loads no vendor library (checked by test/package)', variants, notes: ['module count = modules resolved by the import, including node: builtins'] });
