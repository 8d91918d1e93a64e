/** Reads the public surface of the built package: what the typings export and what `import()` returns. */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import ts from 'typescript';
import { root, specifierOf, subpaths, targetOf } from './package-info.js';

export interface Surface {
  /** Run-time values in the typings (functions, classes, constants). */
  readonly values: string[];
  /** Types only (interfaces, type aliases). */
  readonly types: string[];
  /** Run-time exports that the typings leave out (`@internal`). */
  readonly internal: string[];
}

/** The typings of every subpath, compiled as a consumer would (`nodenext`, libraries checked too). */
export function typedSurfaces(): { surfaces: Record<string, { values: string[]; types: string[] }>; diagnostics: string[] } {
  const files = subpaths.map((s) => resolve(root, targetOf(s).types));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const surfaces: Record<string, { values: string[]; types: string[] }> = {};
  subpaths.forEach((subpath, i) => {
    const file = program.getSourceFile(files[i]!);
    if (file === undefined) throw new Error(`${files[i]} is missing: run npm run build`);
    const module = checker.getSymbolAtLocation(file)!;
    const values: string[] = [];
    const types: string[] = [];
    for (const symbol of checker.getExportsOfModule(module)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      (target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.name);
    }
    surfaces[subpath] = { values: values.sort(), types: types.sort() };
  });
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || d.file.fileName.startsWith(resolve(root, 'dist')))
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  return { surfaces, diagnostics };
}

/** The run-time export names of every subpath, imported by its public name in a fresh process. */
export function runtimeExports(): Record<string, string[]> {
  const specifiers = subpaths.map(specifierOf);
  const script = `const out = {}; for (const s of ${JSON.stringify(specifiers)}) out[s] = Object.keys(await import(s)).sort(); console.log(JSON.stringify(out));`;
  const bySpecifier = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root }).toString()) as Record<string, string[]>;
  return Object.fromEntries(subpaths.map((s) => [s, bySpecifier[specifierOf(s)]!]));
}

/** The surface of every subpath as it is now (to print a new pinned list). */
export function currentSurfaces(): Record<string, Surface> {
  const { surfaces } = typedSurfaces();
  const runtime = runtimeExports();
  return Object.fromEntries(
    subpaths.map((s) => [s, { values: surfaces[s]!.values, types: surfaces[s]!.types, internal: runtime[s]!.filter((n) => !surfaces[s]!.values.includes(n)) }]),
  );
}

// `npx tsx test/package/surface.ts` prints the current lists in the form the pinned test uses.
if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\/test\//, '/test/'))) {
  const lines: string[] = [];
  for (const [subpath, s] of Object.entries(currentSurfaces())) {
    // One line per list when it fits, else wrapped at about 120 columns.
    const list = (names: string[]) => {
      const rows: string[] = [];
      for (const name of names.map((n) => `'${n}',`)) {
        if (rows.length > 0 && rows.at(-1)!.length + name.length < 116) rows[rows.length - 1] += ` ${name}`;
        else rows.push(name);
      }
      const flat = rows.join(' ').replace(/,$/, '');
      return flat.length < 100 ? `[${flat}]` : `[\n${rows.map((r) => `      ${r}`).join('\n')}\n    ]`;
    };
    lines.push(`  '${subpath}': {\n    values: ${list(s.values)},\n    types: ${list(s.types)},\n    internal: ${list(s.internal)},\n  },`);
  }
  process.stdout.write(`{\n${lines.join('\n')}\n}\n`);
}
