/**
 * Source maps that resolve: every map in the packed tarball points at sources that are in the
 * tarball too (the package ships `src/`), so users' stack traces (`--enable-source-maps`) and
 * go-to-definition (declaration maps) land in real TypeScript files.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { root } from './package-info.js';

interface SourceMap {
  readonly version: number;
  readonly sources: readonly string[];
  readonly sourceRoot?: string;
  readonly sourcesContent?: readonly (string | null)[];
  readonly mappings: string;
}

let packed: Set<string>;

beforeAll(() => {
  const [report] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString()) as [
    { files: { path: string }[] },
  ];
  packed = new Set(report.files.map((f) => f.path));
});

const packedOf = (ext: string) => [...packed].filter((f) => f.startsWith('dist/') && f.endsWith(ext));
/** Modules and declarations compiled by tsc from `src/*.ts` (bundled browser assets are not among them). */
const compiled = (ext: string) => packedOf(ext).filter((f) => packed.has(f.replace(/^dist\//, 'src/').replace(/(\.d)?\.js$|\.d\.ts$/, '.ts')));

describe('source maps in the packed package', () => {
  it('ships a map for every module and declaration file, named by its sourceMappingURL', () => {
    const files = [...compiled('.js'), ...compiled('.d.ts')];
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(root, file), 'utf8'))?.[1];
      expect(url, file).toBeDefined();
      expect(packed.has(normalize(join(dirname(file), url!))), `${file} -> ${url}`).toBe(true);
    }
  });

  it('resolves every source of every map to a file in the tarball (or inline sourcesContent)', () => {
    const maps = packedOf('.map');
    expect(maps.length).toBeGreaterThanOrEqual(compiled('.js').length + compiled('.d.ts').length);
    const unresolved: string[] = [];
    for (const file of maps) {
      const map = JSON.parse(readFileSync(join(root, file), 'utf8')) as SourceMap;
      expect(map.version, file).toBe(3);
      map.sources.forEach((source, i) => {
        const target = normalize(join(dirname(file), map.sourceRoot ?? '', source));
        if (!packed.has(target) && typeof map.sourcesContent?.[i] !== 'string') unresolved.push(`${file}: ${source}`);
        if (relative(root, join(root, target)).startsWith('..')) unresolved.push(`${file}: ${source} points outside the package`);
      });
    }
    expect(unresolved).toEqual([]);
  });

  it('maps a stack trace of the built code to the shipped TypeScript source', () => {
    const script = `import('transportkit').then((m) => { try { m.createRegistry({ types: 'nope' }); } catch (e) { console.log(e.stack); } });`;
    const stack = execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { cwd: root }).toString();
    const frame = /\((\/[^()]+\.ts):(\d+):(\d+)\)/.exec(stack);
    expect(frame, stack).not.toBeNull();
    const file = relative(root, frame![1]!);
    expect(file).toMatch(/^src\/.+\.ts$/);
    expect(packed.has(file)).toBe(true);
    const line = readFileSync(join(root, file), 'utf8').split('\n')[Number(frame![2]) - 1];
    expect(line).toMatch(/TransportError|throw|types/);
  });
});
