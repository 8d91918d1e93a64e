#!/usr/bin/env node
/**
 * The `transportkit` command line (the package's `bin`). Commands come from the table in
 * `commands.ts`; `main` is exported so tests and wrappers run it with their own argv and streams.
 * The library entry points never import this module.
 *
 * @packageDocumentation
 */
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { COMMANDS } from './commands.js';
import { EXIT, EXIT_HELP, processIo, type CliCommand, type CliIo } from './io.js';

export type { CliCommand, CliIo };
export { EXIT, EXIT_HELP, processIo };

/** The version of the installed package (`dist/cli/` and `src/cli/` are both two levels below it). */
export function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return `${manifest.name} ${manifest.version}`;
}

function overview(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: transportkit <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  -h, --help      show this help
  -v, --version   print the version

Run "transportkit <command> --help" for the options of a command.

${EXIT_HELP}`;
}

/**
 * Runs the CLI with `argv` (the arguments after the program name) and resolves with the exit
 * code of {@link EXIT}: 0 done, 1 the operation failed, 2 wrong usage or invalid input.
 */
export async function main(argv: readonly string[], io: CliIo = processIo, commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(overview(commands));
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(overview(commands));
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout(`${version()}\n`);
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr(`error: unknown ${name.startsWith('-') ? 'option' : 'command'} "${name}"\n\n${overview(commands)}`);
    return EXIT.usage;
  }
  return command.run(rest, io);
}

/** True when this module is the program being run (also through the npm bin symlink). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (cause: unknown) => {
      process.stderr.write(`error: ${cause instanceof Error ? cause.message : String(cause)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
