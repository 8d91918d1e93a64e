// @ts-check
/**
 * TypeDoc plugin of this repository (loaded through `plugin` in typedoc.json):
 *
 * - Headings with inline code keep it in the page contents and anchors. TypeDoc builds the
 *   "On this page" entry of a heading from its text tokens only, so "SMTP e-mail with S/MIME
 *   signing (`transportkit/smtp`)" became "... signing ()". Each `code_inline` token in a heading
 *   gets a text child with its content, which that text extraction reads (rendering ignores it).
 * - The title once: the README's leading `# transportkit` is dropped from the project page, whose
 *   title TypeDoc already renders from the project name.
 * - Modules are named by their import path (`transportkit`, `transportkit/smtp`, ...), taken from
 *   the exports map of package.json (`./dist/x/index.d.ts` is `src/x/index.ts`), so an entry
 *   point added later is named right without a `@module` tag.
 * - Names re-exported by an entry module in a statement marked `@internal` are left out of the
 *   docs, whatever their kind (`stripInternal` leaves them out of the typings; TypeDoc itself
 *   honours the tag on such a statement only for functions).
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Application, Converter, ReflectionKind } from 'typedoc';
import ts from 'typescript';

/**
 * Names an entry module re-exports in `export { ... }` statements whose doc comment has `@internal`.
 * @param {string} fileName
 * @returns {Set<string>}
 */
export function internalExports(fileName) {
  const source = ts.createSourceFile(fileName, readFileSync(fileName, 'utf8'), ts.ScriptTarget.Latest, true);
  const names = new Set();
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement) || statement.exportClause === undefined || !ts.isNamedExports(statement.exportClause)) continue;
    if (!ts.getJSDocTags(statement).some((tag) => tag.tagName.text === 'internal')) continue;
    for (const element of statement.exportClause.elements) names.add(element.name.text);
  }
  return names;
}

/** Absolute source file of each subpath's typings -> its import path. */
function importPaths() {
  const pkg = JSON.parse(readFileSync(resolve('package.json'), 'utf8'));
  /** @type {Map<string, string>} */
  const byFile = new Map();
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    const types = typeof target === 'object' && target !== null ? target.types : undefined;
    if (typeof types !== 'string') continue;
    const source = resolve(types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'));
    byFile.set(source, subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`);
  }
  return byFile;
}

/** @param {Application} app */
export function load(app) {
  const projectName = () => String(app.options.getValue('name'));
  // Options are reset and read again after plugins load: set the loader once bootstrap is done.
  app.on(Application.EVENT_BOOTSTRAP_END, () => app.options.setValue('markdownItLoader', markdownItLoader));
  /** @type {Map<import('typedoc').Reflection, string>} */
  const moduleFiles = new Map();
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return;
    const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName;
    if (file === undefined) return;
    moduleFiles.set(reflection, file);
    const name = importPaths().get(resolve(file));
    if (name !== undefined) reflection.name = name;
  });
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const [module, file] of moduleFiles) {
      const internal = internalExports(file);
      for (const child of [.../** @type {any} */ (module).children ?? []]) if (internal.has(child.name)) context.project.removeReflection(child);
    }
    moduleFiles.clear();
  });
  const markdownItLoader = (/** @type {any} */ parser) => {
    parser.core.ruler.push('transportkit-headings', (/** @type {any} */ state) => {
      const tokens = state.tokens;
      for (let i = 0; i < tokens.length; i++) {
        if (tokens[i].type !== 'heading_open') continue;
        for (const child of tokens[i + 1]?.children ?? []) {
          if (child.type === 'code_inline' && !child.children) child.children = [{ type: 'text', content: child.content }];
        }
      }
      const [open, inline, close] = tokens;
      if (open?.type === 'heading_open' && open.tag === 'h1' && close?.type === 'heading_close' && inline?.content.trim() === projectName()) {
        tokens.splice(0, 3);
      }
    });
  };
}
