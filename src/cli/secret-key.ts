import { generateSecretKey } from '../core/secrets.js';
import { EXIT, EXIT_HELP, type CliCommand } from './io.js';

const HELP = `Usage: transportkit secret-key

Prints a new random 32-byte key for secretKeys, in the base64: form createRegistry takes.
Keep it in your secret store (e.g. TK_KEY) and keep it stable: stored secrets are sealed with it.
Not a Threema key pair: that is "transportkit threema keygen".

${EXIT_HELP}`;

/** `transportkit secret-key`: prints a key for `secretKeys` (what `generateSecretKey()` returns). */
export const secretKeyCommand: CliCommand = {
  name: 'secret-key',
  summary: 'print a new random key for secretKeys (base64:…)',
  help: HELP,
  async run(args, io) {
    if (args[0] === '--help' || args[0] === '-h') {
      io.stdout(`${HELP}\n`);
      return EXIT.ok;
    }
    if (args.length > 0) {
      io.stderr(`error: secret-key takes no arguments (got "${args[0]}")\n\n${HELP}\n`);
      return EXIT.usage;
    }
    io.stdout(`${generateSecretKey()}\n`);
    return EXIT.ok;
  },
};
