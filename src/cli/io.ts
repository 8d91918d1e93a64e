/** Where a CLI command reads and writes: the process streams, or buffers in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads all of standard input (used to keep private keys off the command line). */
  readStdin(): Promise<string>;
}

/** One top-level command of the `transportkit` CLI. */
export interface CliCommand {
  /** The word after `transportkit`, e.g. `threema`. */
  readonly name: string;
  /** One line for the overview. */
  readonly summary: string;
  /** Full help text of the command. */
  readonly help: string;
  /** Runs with the arguments after the command name; resolves with the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/**
 * Exit codes, the same for every command:
 * - 0: done (for `test`: every step passed);
 * - 1: the operation failed (a test step failed, the upstream refused, a file could not be written);
 * - 2: wrong usage or invalid input: an unknown command, provider type or flag, a missing or extra
 *   argument, an argument or setting that is not valid (a key, a phone number, an e-mail address,
 *   a configuration field). Nothing was attempted.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The exit-code table as every help text prints it. */
export const EXIT_HELP = `Exit codes:
  0   done (test: every step passed)
  1   the operation failed (a test step failed, the upstream refused, a file could not be written)
  2   wrong usage or invalid input (unknown command or flag, missing or extra argument, invalid
      argument or setting); nothing was attempted
`;

/** The real process streams. */
export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};
