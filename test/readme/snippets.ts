/**
 * The README's `ts` code blocks as modules: extracted with their line numbers, written to a
 * scratch directory inside the package (so `transportkit/...` resolves through the package's own
 * exports map to `dist/`, as in an app), together with the context they take as given.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Snippet {
  /** 1-based line of the opening fence in README.md. */
  readonly line: number;
  /** The nearest heading above the block. */
  readonly heading: string;
  readonly code: string;
  /** `readme-<line>.ts` in the scratch directory. */
  readonly file: string;
}

/** Every fenced block tagged `ts` (or `typescript`) of a markdown text. */
export function extractSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    if (/^#{1,6} /.test(text)) heading = text.replace(/^#+ /, '');
    const fence = /^(`{3,})\s*(ts|typescript)\s*$/.exec(text);
    if (fence === null) {
      if (/^`{3,}/.test(text)) i = lines.findIndex((l, j) => j > i && l.startsWith('```'));
      continue;
    }
    const end = lines.findIndex((l, j) => j > i && l.startsWith(fence[1]!));
    snippets.push({ line: i + 1, heading, code: lines.slice(i + 1, end).join('\n') + '\n', file: `readme-${i + 1}.ts` });
    i = end;
  }
  return snippets;
}

/**
 * What the snippets take as given: the host application around them. Declared for the type
 * check (an ambient script); `context.ts` provides the same names at run time.
 */
export const CONTEXT_DECLARATIONS = `
declare const storage: import('transportkit').TransportStorage;
declare const secretKeys: import('transportkit').SecretKeys;
declare const types: import('transportkit').AnyProviderType[];
declare const registry: import('transportkit').ProviderRegistry;
declare const monitor: import('transportkit').BalanceMonitor;
declare const provider: import('transportkit/threema').ThreemaProvider;
declare const providerId: string;
declare const smsId: string;
declare const mailId: string;
declare const threemaId: string;
declare const totpId: string;
declare const userId: string;
declare const user: { readonly secondFactorMethod: 'sms' | 'email' | 'threema' | 'app' };
declare const code: string;
declare const codeFromApp: string;
declare const typedCode: string;
declare const label: string;
declare const pdfBytes: Uint8Array;
declare const url: string;
declare const log: { warn(...args: unknown[]): void; error(...args: unknown[]): void };
declare const metrics: { record(value: unknown): void };
declare const db: { userAddress(userId: string, channel: string): Promise<string | undefined> };
declare const inbox: { save(from: string, text: string, date: Date): Promise<void> };
declare const outbox: { mark(messageIds: readonly string[], status: string): Promise<void> };
declare const files: { save(file: unknown): Promise<void> };
declare const cron: { schedule(expression: string, task: () => unknown): void };
declare const freshDatabase: () => Promise<unknown>;
declare const parcel: { readonly id: string };
declare function tokenFor(user: string, renew: boolean): Promise<string>;
declare function isAdmin(request: Request): boolean;
declare const admin: ReturnType<typeof import('transportkit/admin').createAdminHandler>;
declare const toNodeListener: typeof import('transportkit/admin').toNodeListener;
declare const express: typeof import('express');
declare const Hono: typeof import('hono').Hono;
declare const serve: typeof import('@hono/node-server').serve;
`;

/** `./my-storage.js` of the conformance snippet: the host's adapter (here the in-memory one). */
const MY_STORAGE = `import { memoryStorage, type TransportStorage } from 'transportkit';
export function myStorage(_database: unknown): TransportStorage {
  return memoryStorage();
}
`;

/** A CommonJS TypeScript consumer: \`import = require()\` of the package (TypeScript >= 5.8, module nodenext). */
const CJS_CONSUMER = `import transportkit = require('transportkit');
import smtp = require('transportkit/smtp');
import testing = require('transportkit/testing');

const registry: transportkit.ProviderRegistry = transportkit.createRegistry({ types: [smtp.smtp(), testing.memoryTransport()] });
export const isError: (value: unknown) => boolean = transportkit.isTransportError;
void registry;
`;

/**
 * The example of each module page: the first `ts` block of the leading doc comment of every
 * subpath's entry module (`src/.../index.ts` of the exports map), as a snippet.
 */
export function extractModuleExamples(): Snippet[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string | { types?: string }> };
  const examples: Snippet[] = [];
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target !== 'object' || target.types === undefined) continue;
    const file = target.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts');
    const source = readFileSync(join(root, file), 'utf8');
    const comment = /^(?:#!.*\n)?\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? '';
    const lines = comment.split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
    const start = lines.findIndex((l) => /^```(ts|typescript)\s*$/.test(l));
    if (start < 0) continue;
    const end = lines.findIndex((l, i) => i > start && l.startsWith('```'));
    const name = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    examples.push({ line: start + 2, heading: `module ${name} (${file})`, code: lines.slice(start + 1, end).join('\n') + '\n', file: `module-${name.replace(/\W+/g, '-')}.ts` });
  }
  return examples;
}

export interface Scratch {
  readonly dir: string;
  readonly snippets: readonly Snippet[];
  /** The examples of the module pages (type-checked, not run). */
  readonly moduleExamples: readonly Snippet[];
  /** Every file to type-check, absolute. */
  readonly files: readonly string[];
  readonly cjsConsumer: string;
  remove(): void;
}

/** Writes the snippets, the context declarations and the helper modules to `.tmp/readme-<pid>/`. */
export function writeScratch(markdown = readFileSync(join(root, 'README.md'), 'utf8')): Scratch {
  const snippets = extractSnippets(markdown);
  const dir = join(root, '.tmp', `readme-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Every snippet is a module of its own (`export {}`), so their top-level names do not collide.
  const moduleExamples = extractModuleExamples();
  for (const s of [...snippets, ...moduleExamples]) writeFileSync(join(dir, s.file), `${s.code}export {};\n`);
  writeFileSync(join(dir, 'context.d.ts'), CONTEXT_DECLARATIONS);
  writeFileSync(join(dir, 'my-storage.ts'), MY_STORAGE);
  writeFileSync(join(dir, 'open-storage.ts'), `export async function openStorage(_args: unknown) { return (await import('./my-storage.js')).myStorage(undefined); }\n`);
  const cjsConsumer = join(dir, 'consumer.cts');
  writeFileSync(cjsConsumer, CJS_CONSUMER);
  return {
    dir,
    snippets,
    moduleExamples,
    files: [...[...snippets, ...moduleExamples].map((s) => join(dir, s.file)), join(dir, 'context.d.ts'), join(dir, 'my-storage.ts'), join(dir, 'open-storage.ts')],
    cjsConsumer,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
