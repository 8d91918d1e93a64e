import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isTransportError } from '../core/errors.js';
import { isEmailAddress } from '../core/messages.js';
import { hashEmail, hashPhone, normalizeEmail, normalizePhone } from '../providers/threema/hash.js';
import { derivePublicKey, generateKeyPair } from '../providers/threema/keys.js';
import { EXIT, EXIT_HELP, type CliCommand, type CliIo } from './io.js';

/** An argument that is not valid (exit 2, like every other usage error). */
class InvalidArgument extends Error {}

const HELP = `Usage: transportkit threema <command> [options]

Set-up helpers for a Threema.Gateway ID in end-to-end mode. Nothing is sent over the network.

Commands:
  keygen [--private-file PATH] [--json]
      Generate a key pair. Prints "private:<hex>" and "public:<hex>"; with --private-file the
      private key is written to a new file (mode 600) and only the public key is printed.
      Register the public key for your Gateway ID; store the private key as the provider's
      "privateKey" secret.
  derive [PRIVATE_KEY | -]
      Print the public key of a private key. Without an argument (or with "-") the key is read
      from standard input, which keeps it out of the shell history.
  hash-phone NUMBER
      HMAC-SHA256 hash of a phone number for /lookup/phone_hash (E.164, non-digits removed).
  hash-email ADDRESS
      HMAC-SHA256 hash of an e-mail address for /lookup/email_hash (trimmed, lowercased).

Options:
  --json       print JSON (keygen, derive, hash-phone, hash-email)
  -h, --help   show this help

${EXIT_HELP}`;

type Sub = (positionals: readonly string[], values: { readonly json?: boolean; readonly 'private-file'?: string }, io: CliIo) => Promise<number>;

const one = (positionals: readonly string[], what: string, io: CliIo): string | undefined => {
  if (positionals.length === 1) return positionals[0];
  io.stderr(`error: expected exactly one ${what}\n\n${HELP}`);
  return undefined;
};

const SUBCOMMANDS: Readonly<Record<string, Sub>> = {
  async keygen(positionals, values, io) {
    if (positionals.length > 0) {
      io.stderr(`error: keygen takes no arguments\n\n${HELP}`);
      return EXIT.usage;
    }
    const pair = generateKeyPair();
    const file = values['private-file'];
    if (file !== undefined) {
      writeFileSync(file, `${pair.privateKey}\n`, { flag: 'wx', mode: 0o600 });
      io.stdout(values.json ? `${JSON.stringify({ publicKey: pair.publicKey, privateKeyFile: file })}\n` : `${pair.publicKey}\n`);
      return EXIT.ok;
    }
    io.stdout(values.json ? `${JSON.stringify(pair)}\n` : `${pair.privateKey}\n${pair.publicKey}\n`);
    return EXIT.ok;
  },
  async derive(positionals, values, io) {
    if (positionals.length > 1) {
      io.stderr(`error: derive takes at most one private key\n\n${HELP}`);
      return EXIT.usage;
    }
    const given = positionals[0];
    const key = given === undefined || given === '-' ? (await io.readStdin()).split(/\r?\n/)[0] ?? '' : given;
    const publicKey = derivePublicKey(key);
    io.stdout(values.json ? `${JSON.stringify({ publicKey })}\n` : `${publicKey}\n`);
    return EXIT.ok;
  },
  async 'hash-phone'(positionals, values, io) {
    const phone = one(positionals, 'phone number', io);
    if (phone === undefined) return EXIT.usage;
    const hash = hashPhone(phone);
    io.stdout(values.json ? `${JSON.stringify({ normalized: normalizePhone(phone), hash })}\n` : `${hash}\n`);
    return EXIT.ok;
  },
  async 'hash-email'(positionals, values, io) {
    const email = one(positionals, 'e-mail address', io);
    if (email === undefined) return EXIT.usage;
    if (!isEmailAddress(normalizeEmail(email))) throw new InvalidArgument(`not an e-mail address: "${email}"`);
    const hash = hashEmail(email);
    io.stdout(values.json ? `${JSON.stringify({ normalized: normalizeEmail(email), hash })}\n` : `${hash}\n`);
    return EXIT.ok;
  },
};

/** `transportkit threema ...`: key pair and hashing helpers for setting up a Gateway ID. */
export const threemaCommand: CliCommand = {
  name: 'threema',
  summary: 'Threema.Gateway set-up: keygen, derive, hash-phone, hash-email',
  help: HELP,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...args],
        allowPositionals: true,
        options: { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' }, 'private-file': { type: 'string' } },
      });
    } catch (cause) {
      io.stderr(`error: ${(cause as Error).message}\n\n${HELP}`);
      return EXIT.usage;
    }
    const [name, ...rest] = parsed.positionals;
    if (parsed.values.help || name === undefined || name === 'help') {
      io[name === undefined && !parsed.values.help ? 'stderr' : 'stdout'](HELP);
      return name === undefined && !parsed.values.help ? EXIT.usage : EXIT.ok;
    }
    const sub = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
    if (sub === undefined) {
      io.stderr(`error: unknown command "threema ${name}"\n\n${HELP}`);
      return EXIT.usage;
    }
    try {
      return await sub(rest, parsed.values, io);
    } catch (cause) {
      // A key, phone number or address that is not valid is invalid input (2); anything else failed (1).
      if (cause instanceof InvalidArgument || isTransportError(cause)) {
        io.stderr(`error: ${cause.message}\n\nRun "transportkit threema --help" for the commands.\n`);
        return EXIT.usage;
      }
      const message = (cause as NodeJS.ErrnoException).code === 'EEXIST' ? 'the file already exists (not overwritten)' : String((cause as Error).message);
      io.stderr(`error: ${message}\n`);
      return EXIT.failed;
    }
  },
};
