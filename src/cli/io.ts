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

/** Exit codes: success, a failed operation, wrong usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

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
