/** The package as published: its manifest, its subpaths and their public names. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ExportTarget {
  readonly types: string;
  readonly default: string;
}

export const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  name: string;
  engines: { node: string };
  exports: Record<string, string | ExportTarget>;
  files: string[];
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

/** Every subpath of the exports map (`.`, `./smtp`, ...), without `./package.json`: new ones are covered as they are added. */
export const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');

/** `transportkit` for `.`, `transportkit/smtp` for `./smtp`. */
export const specifierOf = (subpath: string): string => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`);

export const targetOf = (subpath: string): ExportTarget => pkg.exports[subpath] as ExportTarget;
