/**
 * The README's code compiles and runs: every `ts` block is extracted and type-checked as an
 * app would compile it against the built package (`strict`, once with `nodenext` and once with
 * `bundler` resolution), and the runnable ones run against the in-memory transport and the
 * loopback mock peers, each in its own process. The example of each API docs module page is
 * type-checked the same way.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, writeScratch, type Scratch, type Snippet } from './snippets.js';

/**
 * Every snippet, by heading and its first statement: `true` runs it, a string says why it is
 * only type-checked. A new snippet must be added here.
 */
const PLAN: Readonly<Record<string, true | string>> = {
  'Quick start :: const memory = memoryTransport();': true,
  'SMTP e-mail with S/MIME signing (`transportkit/smtp`) :: const registry = createRegistry({ storage, secretKeys, types: [smtp()] });':
    'sends through a real relay with a PKCS#12 file (the SMTP tests cover it against the loopback server)',
  'Microsoft 365 and Google :: const registry = createRegistry({ storage, secretKeys, types: [smtp()] });':
    'needs Microsoft 365 and Google accounts (test/smtp/oauth2.test.ts covers both flows against a loopback token endpoint)',
  "DKIM :: const dkimKey = readFileSync('dkim-private.pem', 'utf8');": 'reads a key file and sends through a relay (test/smtp/dkim.test.ts verifies the signatures with dkimpy)',
  'SMS through ASPSMS (`transportkit/aspsms`) :: const registry = createRegistry({ storage, secretKeys, types: [aspsms()] });':
    'sends through the real ASPSMS web service, which charges credits',
  'SMS through ASPSMS (`transportkit/aspsms`) :: const mock = await startAspsmsMock({': true,
  'Delivery notifications :: const notifications = createAspsmsNotificationHandler({ registry, onError: (error) => log.warn(error.message) });':
    'listens on port 8080 and sends through the real ASPSMS web service (test/aspsms/notifications.test.ts and polling.test.ts run the same against the mock)',
  'Threema.Gateway, end-to-end encrypted (`transportkit/threema`) :: const registry = createRegistry({ storage, secretKeys, types: [threema()] });':
    'sends through the real Threema gateway',
  'Threema.Gateway, end-to-end encrypted (`transportkit/threema`) :: createServer(': 'listens on port 8080 until stopped',
  'Threema.Gateway, end-to-end encrypted (`transportkit/threema`) :: const gateway = await startThreemaGatewayMock({ users: [{ id: \'ECHOECHO\', phone: \'41791234567\' }] });': true,
  'Enrolment and verification :: const registry = createRegistry({ types: [totp()], storage, secretKeys });': true,
  'Second factor via SMS, e-mail, Threema or the app :: const secondFactor = createSecondFactor({': true,
  'Balance monitor ("Guthabenprüfung") :: const monitor = new BalanceMonitor({': true,
  'Scheduling :: const stop = monitor.start({': 'starts a timer and a SIGTERM handler for the life of the process',
  'Scheduling :: await monitor.checkAll();                               // service start': true,
  'Routing, retries and delivery status :: const result = await registry.send(': true,
  "Routing, retries and delivery status :: await registry.create({ type: 'route', id: 'sms-route', name: 'SMS with fallback', config: { channel: 'sms', providers: [threemaId, smsId], strategy: 'failover' } });": true,
  'Admin console (`transportkit/admin`) :: const admin = createAdminHandler({': 'listens on port 8080 until stopped (examples/admin-node-http.ts runs in the admin tests)',
  'Admin console (`transportkit/admin`) :: const app = express();': 'an Express app around the snippet above (examples/admin-express.ts runs in the admin tests)',
  'Admin console (`transportkit/admin`) :: const app = new Hono();': 'a Hono server on port 8080 (examples/admin-hono.ts runs in the admin tests)',
  'Running several instances :: const storage = await postgresStorage({': 'needs a PostgreSQL server (test/postgres and examples/postgres.ts cover it)',
  "Single instance: PGlite :: const storage = await postgresStorage({ pglite: './transportkit-data' }); // or 'memory://'":
    'starts PGlite in ./transportkit-data (4 s, +460 MB); examples/postgres.ts runs on PGlite in the tests',
  'The in-memory transport :: const memory = memoryTransport();': true,
  'Writing a storage adapter :: runStorageConformance({ describe, it }, async () => myStorage(await freshDatabase()), {':
    'registers vitest tests (the conformance tests of this repository run the kit)',
};

const keyOf = (s: Snippet) => `${s.heading} :: ${s.code.split('\n').find((l) => l.trim() !== '' && !l.startsWith('import ') && !l.startsWith('//'))}`;

let scratch: Scratch;

beforeAll(() => {
  scratch = writeScratch();
  // tsx without the repository's `paths`: snippets resolve `transportkit` through the exports map to dist/, as in an app.
  writeFileSync(join(scratch.dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true } }));
});

afterAll(() => scratch?.remove());

/** README.md:LINE (heading): message, for every diagnostic of a program over the snippets. */
function check(files: readonly string[], options: ts.CompilerOptions): string[] {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ['node'],
    ...options,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const snippet = scratch.snippets.find((s) => join(scratch.dir, s.file) === d.file!.fileName);
    const example = scratch.moduleExamples.find((s) => join(scratch.dir, s.file) === d.file!.fileName);
    if (snippet !== undefined) return `README.md:${snippet.line + 1 + line} (${snippet.heading}): ${message}`;
    if (example !== undefined) return `${example.heading}, example line ${line + 1}: ${message}`;
    return `${relative(root, d.file.fileName)}:${line + 1}: ${message}`;
  });
}

describe('README code', () => {
  it('has a plan for every ts snippet (run, or why not)', () => {
    expect(scratch.snippets.length).toBeGreaterThanOrEqual(15);
    const keys = scratch.snippets.map(keyOf);
    expect(keys.filter((k) => PLAN[k] === undefined), 'snippets missing from PLAN in test/readme/readme.test.ts (true runs it, a string says why not)').toEqual([]);
    expect(Object.keys(PLAN).filter((k) => !keys.includes(k)), 'PLAN entries without a snippet').toEqual([]);
  });

  // "Cannot find name 'x'" for a name the host application provides: declare it in CONTEXT_DECLARATIONS
  // (test/readme/snippets.ts) and give it a value in test/readme/context.ts.
  it('type-checks every snippet with strict and nodenext resolution, and a CommonJS consumer with require()', () => {
    expect(check([...scratch.files, scratch.cjsConsumer], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext })).toEqual([]);
  }, 60_000);

  it('type-checks every snippet with strict and bundler resolution', () => {
    expect(check(scratch.files, { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler })).toEqual([]);
  }, 60_000);

  it('every module page of the API docs opens with an example, and it is among the checked code', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const documented = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };
    const withExample = scratch.moduleExamples.map((e) => /\((src\/.+)\)$/.exec(e.heading)![1]);
    for (const entry of documented.entryPoints) expect(withExample, `${entry} has no @example in its module comment`).toContain(entry);
    expect(scratch.moduleExamples.length).toBeLessThanOrEqual(Object.keys(pkg.exports).length);
  });

  it('the Quick start is examples/quick-start.ts word for word', () => {
    const example = readFileSync(join(root, 'examples/quick-start.ts'), 'utf8');
    const quickStart = scratch.snippets.find((s) => s.heading === 'Quick start')!;
    expect(quickStart.code).toBe(example.slice(example.indexOf('*/\n') + 3));
  });

  it('runs every runnable snippet against the in-memory transport and the mock peers', () => {
    const runnable = scratch.snippets.filter((s) => PLAN[keyOf(s)] === true);
    expect(runnable.length).toBeGreaterThanOrEqual(8);
    const failures: string[] = [];
    const { TK_KEY: _, ...withoutKey } = process.env;
    for (const snippet of runnable) {
      const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test/readme/run-snippet.ts'), join(scratch.dir, snippet.file)], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...withoutKey, TSX_TSCONFIG_PATH: join(scratch.dir, 'tsconfig.json') },
      });
      if (result.status !== 0) failures.push(`README.md:${snippet.line} (${snippet.heading}) exited ${result.status}:\n${result.stderr.slice(0, 2000)}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
