/**
 * The exit-code table, the same for every command: 0 done, 1 the operation failed, 2 wrong usage
 * or invalid input (nothing attempted). Every help text prints it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, EXIT_HELP, main, version, type CliIo } from '../../src/cli/index.js';
import { createTestCommand } from '../../src/cli/test.js';
import { threemaCommand } from '../../src/cli/threema.js';

const root = new URL('../..', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { name: string; version: string; bin: Record<string, string> };
const dir = mkdtempSync(join(tmpdir(), 'transportkit-exit-'));
const existing = join(dir, 'existing.key');
writeFileSync(existing, 'keep me\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), readStdin: async () => '' };
  const code = await main(argv, io, [threemaCommand, createTestCommand({ env: {} })]);
  return { code, out, err };
}

/** [argv, exit code, what stderr (or stdout for 0) says]. */
const TABLE: readonly (readonly [readonly string[], number, RegExp])[] = [
  [['--help'], EXIT.ok, /Usage: transportkit <command>/],
  [['--version'], EXIT.ok, new RegExp(`^${manifest.name} ${manifest.version.replace(/\./g, '\\.')}\\n$`)],
  [['-v'], EXIT.ok, /^transportkit \d+\.\d+\.\d+/],
  [[], EXIT.usage, /Usage: transportkit <command>/],
  [['nope'], EXIT.usage, /unknown command "nope"/],
  [['--bogus'], EXIT.usage, /unknown option "--bogus"/],
  [['threema'], EXIT.usage, /Usage: transportkit threema/],
  [['threema', 'nope'], EXIT.usage, /unknown command "threema nope"/],
  [['threema', 'keygen', 'extra'], EXIT.usage, /keygen takes no arguments/],
  [['threema', 'keygen', '--bogus'], EXIT.usage, /bogus/],
  [['threema', 'derive', 'notakey'], EXIT.usage, /invalid key format/],
  [['threema', 'derive', 'a', 'b'], EXIT.usage, /at most one private key/],
  [['threema', 'hash-phone'], EXIT.usage, /expected exactly one phone number/],
  [['threema', 'hash-phone', '12'], EXIT.usage, /5 to 15 digits/],
  [['threema', 'hash-email'], EXIT.usage, /expected exactly one e-mail address/],
  [['threema', 'hash-email', 'not-an-email'], EXIT.usage, /not an e-mail address: "not-an-email"/],
  [['threema', 'hash-email', 'a@b'], EXIT.usage, /not an e-mail address/],
  [['threema', 'hash-email', ' Test@Threema.ch '], EXIT.ok, /^1ea093239cc5f0e1b6ec81b866265b921f26dc4033025410063309f4d1a8ee2c\n$/],
  [['threema', 'keygen', '--private-file', existing], EXIT.failed, /already exists/],
  [['test'], EXIT.usage, /Usage: transportkit test/],
  [['test', 'bogus'], EXIT.usage, /^error: unknown provider type "bogus" \(known: smtp, aspsms, threema\)$/m],
  [['test', 'smtp'], EXIT.usage, /missing --host/],
  [['test', 'smtp', '--host', 'h', '--port', 'x'], EXIT.usage, /config\.port/],
  [['test', 'smtp', '--host', 'h', '--bogus'], EXIT.usage, /'--bogus'/],
  [['test', 'aspsms', '--user-key', 'K', '--originator', 'Shop'], EXIT.usage, /TRANSPORTKIT_ASPSMS_PASSWORD/],
  [['test', 'smtp', '--host', '127.0.0.1', '--port', '1', '--starttls', 'off'], EXIT.failed, /^FAIL +verify .*\[UNAVAILABLE\]$/m],
];

describe('exit codes', () => {
  it.each(TABLE.map(([argv, code, says]) => [argv.join(' ') || '(no arguments)', code, argv, says] as const))('transportkit %s exits %i', async (_, code, argv, says) => {
    const result = await run(argv);
    expect(result.code).toBe(code);
    expect(code === EXIT.ok || (code === EXIT.failed && argv[0] === 'test') ? result.out : result.err).toMatch(says);
    if (code === EXIT.ok) expect(result.err).toBe('');
  });

  it('keeps the file that keygen refused to overwrite', () => {
    expect(readFileSync(existing, 'utf8')).toBe('keep me\n');
  });

  it('prints the same exit-code table in every help', async () => {
    for (const argv of [['--help'], ['threema', '--help'], ['test', '--help']]) expect((await run(argv)).out).toContain(EXIT_HELP);
    expect(EXIT).toEqual({ ok: 0, failed: 1, usage: 2 });
  });

  it('--version runs from the built bin of the package', () => {
    const result = spawnSync(process.execPath, [new URL(Object.values(manifest.bin)[0]!, root).pathname, '--version'], { encoding: 'utf8' });
    expect(result).toMatchObject({ status: 0, stdout: `${version()}\n`, stderr: '' });
    expect(version()).toBe(`${manifest.name} ${manifest.version}`);
  });
});
