import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isTransportError } from '../core/errors.js';
import { Redactor, type EventLevel, type LogEntry } from '../core/events.js';
import type { TestReport } from '../core/messages.js';
import type { AnyProviderType } from '../core/provider.js';
import { createRegistry } from '../registry/registry.js';
import { EXIT, EXIT_HELP, type CliCommand, type CliIo } from './io.js';

/** Environment variables as `process.env` holds them. */
export type CliEnv = Readonly<Record<string, string | undefined>>;

/** Options of {@link createTestCommand}. */
export interface TestCommandOptions {
  /** Where settings and secrets are read from; default `process.env`. Tests pass their own. */
  readonly env?: CliEnv;
}

/** How a flag's text becomes a config value: as is, a number, a boolean, or a file's content. */
type FlagKind = 'string' | 'number' | 'boolean' | 'file';

interface ConfigFlag {
  readonly flag: string;
  /** The config field it sets; dotted for a nested one (`smime.certificate`). */
  readonly field: string;
  readonly kind: FlagKind;
  readonly about: string;
}

/** A boolean flag that sets a host-side option of the provider type, not a config field. */
interface HostFlag {
  readonly flag: string;
  readonly about: string;
}

interface TestTarget {
  readonly flags: readonly ConfigFlag[];
  /** Flags for the host-side options `load` builds the type with. */
  readonly hostFlags?: readonly HostFlag[];
  /** Flags without which the provider cannot be built (checked before anything is loaded). */
  readonly required: readonly string[];
  /** Secret fields read from the environment or stdin, never from flags. */
  readonly secrets: readonly string[];
  /** What `--to` is for this channel. */
  readonly to: string;
  /** Loads the provider type on demand, so other commands never load nodemailer or soap; `host` holds the host flags given. */
  load(host: Readonly<Record<string, boolean>>): Promise<AnyProviderType>;
  /** What to suggest when a step failed because the server's TLS certificate was not accepted. */
  readonly tlsHint?: string;
}

const flag = (name: string, kind: FlagKind, about: string, field = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())): ConfigFlag => ({
  flag: name,
  field,
  kind,
  about,
});

const TARGETS: Readonly<Record<string, TestTarget>> = {
  smtp: {
    flags: [
      flag('host', 'string', 'SMTP server or relay'),
      flag('port', 'number', 'port (default 465 with --secure, else 587)'),
      flag('secure', 'boolean', 'implicit TLS from the first byte (SMTPS)'),
      flag('starttls', 'string', 'required (default) | opportunistic | off'),
      flag('ignore-certificate-errors', 'boolean', 'accept an invalid server certificate (recorded as a warning)'),
      flag('ca-file', 'file', 'PEM file of extra trusted CA certificates', 'caCertificates'),
      flag('target-name', 'string', 'name the server certificate is checked against (and SNI)'),
      flag('ehlo-name', 'string', 'name sent in EHLO'),
      flag('username', 'string', 'SMTP AUTH user name'),
      flag('local-address', 'string', 'source IP address'),
      flag('from', 'string', 'sender address (needed for a test message)'),
      flag('reply-to', 'string', 'Reply-To address'),
      flag('smime', 'boolean', 'sign with S/MIME (implied by --smime-cert or --smime-serial)', 'smime.enabled'),
      flag('smime-cert', 'file', 'PEM file of the S/MIME signer certificate (key in TRANSPORTKIT_SMTP_SMIME_KEY)', 'smime.certificate'),
      flag('smime-serial', 'string', 'serial number of the signer certificate in a PKCS#12 bundle', 'smime.serialNumber'),
      flag('oauth2-provider', 'string', 'OAuth2 (XOAUTH2) instead of a password: microsoft | google (--username is the mailbox)', 'oauth2.provider'),
      flag('oauth2-tenant-id', 'string', 'Microsoft: directory (tenant) id or domain', 'oauth2.tenantId'),
      flag('oauth2-client-id', 'string', 'application (client) id', 'oauth2.clientId'),
      flag('oauth2-token-url', 'string', 'token endpoint instead of the provider\'s own', 'oauth2.tokenUrl'),
      flag('oauth2-scope', 'string', 'scope (default https://outlook.office365.com/.default for microsoft)', 'oauth2.scope'),
      flag('oauth2-client-cert', 'file', 'Microsoft: PEM certificate credential (key in TRANSPORTKIT_SMTP_OAUTH2_CERTIFICATE_KEY)', 'oauth2.clientCertificate'),
      flag('oauth2-timeout-ms', 'number', 'bound of a token request in milliseconds (default 10000)', 'oauth2.timeoutMs'),
      flag('dkim-domain', 'string', 'DKIM-sign for this domain (d=; key in TRANSPORTKIT_SMTP_DKIM_PRIVATE_KEY)', 'dkim.domain'),
      flag('dkim-selector', 'string', 'DKIM selector (s=): the key is at <selector>._domainkey.<domain>', 'dkim.selector'),
      flag('dkim-header-fields', 'string', 'header fields to sign, colon-separated (default: the recommended list)', 'dkim.headerFields'),
      flag('dkim-canonicalization', 'string', 'relaxed/relaxed (default) | relaxed/simple | simple/relaxed | simple/simple', 'dkim.canonicalization'),
    ],
    hostFlags: [{ flag: 'dkim-dns', about: 'DKIM ready: look up the published key at <selector>._domainkey.<domain> in DNS' }],
    required: ['host'],
    secrets: ['password', 'smimeKey', 'smimePkcs12', 'smimePassphrase', 'oauth2ClientSecret', 'oauth2RefreshToken', 'oauth2CertificateKey', 'dkimPrivateKey'],
    tlsHint: `hint: the server's TLS certificate was not accepted. If it is issued by a private CA, trust that CA
      with --ca-file PATH; if it is issued for another name than --host, give that name with
      --target-name NAME; to test anyway (not for production), add --ignore-certificate-errors.`,
    to: 'e-mail address',
    load: async (host) => {
      const { smtp } = await import('../providers/smtp/index.js');
      const resolveTxt = host['dkim-dns'] ? (await import('node:dns')).promises.resolveTxt : undefined;
      return smtp(resolveTxt === undefined ? {} : { resolveTxt });
    },
  },
  aspsms: {
    flags: [
      flag('user-key', 'string', 'the account UserKey'),
      flag('originator', 'string', 'sender: 11 letters/digits or an unlocked phone number'),
      flag('service-url', 'string', 'SOAP endpoint (default the ASPSMS web service)'),
      flag('timeout-ms', 'number', 'request timeout in milliseconds'),
      flag('default-country-code', 'string', 'country calling code for national numbers, e.g. 41'),
    ],
    required: ['user-key', 'originator'],
    secrets: ['password'],
    to: 'phone number',
    load: async () => (await import('../providers/aspsms/index.js')).aspsms(),
  },
  threema: {
    flags: [
      flag('gateway-id', 'string', 'the Gateway ID, e.g. *ABCDEFG'),
      flag('gateway-url', 'string', 'gateway base URL (default https://msgapi.threema.ch/)'),
      flag('timeout-ms', 'number', 'per-request timeout in milliseconds'),
    ],
    required: ['gateway-id'],
    secrets: ['secret', 'privateKey'],
    to: 'Threema ID',
    load: async () => (await import('../providers/threema/index.js')).threema(),
  },
};

const COMMON = {
  to: { type: 'string' },
  text: { type: 'string' },
  json: { type: 'boolean' },
  'event-level': { type: 'string' },
  'secrets-stdin': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const EVENT_LEVELS: readonly EventLevel[] = ['off', 'errors', 'all', 'debug'];

/** `TRANSPORTKIT_SMTP_PRIVATE_KEY` from `smtp` and `privateKey` or `private-key`. */
const envName = (type: string, name: string): string =>
  `TRANSPORTKIT_${type}_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_')}`.toUpperCase();

const kebab = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

function typeHelp(type: string, target: TestTarget): string {
  const width = Math.max(...target.flags.map((f) => f.flag.length + (f.kind === 'string' || f.kind === 'file' ? 6 : f.kind === 'number' ? 4 : 0)));
  const arg = (f: ConfigFlag) => `--${f.flag}${f.kind === 'boolean' ? '' : f.kind === 'number' ? ' N' : f.kind === 'file' ? ' PATH' : ' VALUE'}`;
  const lines = [...target.flags.map((f) => `  ${arg(f).padEnd(width + 2)}  ${f.about}`), ...(target.hostFlags ?? []).map((f) => `  ${`--${f.flag}`.padEnd(width + 2)}  ${f.about}`)];
  const secrets = target.secrets.map((s) => `${envName(type, s)} (${s})`).join(', ');
  return `${type} (--to: ${target.to}; required: ${target.required.map((r) => `--${r}`).join(', ')})
${lines.join('\n')}
  secrets: ${secrets}
`;
}

const HELP = `Usage: transportkit test <smtp|aspsms|threema> [options]

Builds a provider from the options, runs the registry's Test (configuration, provider checks,
verify(), balance where supported) and, with --to, sends a test message. Prints every step with
its duration; exits 0 when all passed, 1 when a step failed, 2 on wrong usage or configuration.

Every provider setting can also come from the environment: --host of smtp is
TRANSPORTKIT_SMTP_HOST, --user-key of aspsms is TRANSPORTKIT_ASPSMS_USER_KEY, and so on; flags win. Secrets are read
ONLY from the environment or, with --secrets-stdin, from "field=value" lines on standard input
(flags would land in the shell history and the process list). No secret is ever printed.

Options:
  --to ADDRESS        send a test message to this recipient (without it only the checks run)
  --text TEXT         text of the test message
  --json              print the test report as JSON
  --event-level LVL   off | errors (default) | all | debug; events go to stderr, redacted
  --secrets-stdin     read secrets as "field=value" lines from standard input
  -h, --help          show this help

${Object.entries(TARGETS)
  .map(([type, target]) => typeHelp(type, target))
  .join('\n')}
${EXIT_HELP}`;

class UsageError extends Error {}

/** A flag or variable's text as the config value the schema expects; bad text stays text so the schema names the field. */
function convert(raw: string, kind: FlagKind, name: string): unknown {
  if (kind === 'number') return /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (kind === 'boolean') return /^(1|true|yes|on)$/i.test(raw) ? true : /^(0|false|no|off)?$/i.test(raw) ? false : raw;
  if (kind === 'file') {
    try {
      return readFileSync(raw, 'utf8');
    } catch (cause) {
      throw new UsageError(`cannot read --${name} ${raw}: ${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  }
  return raw;
}

/** Sets `a.b.c` in a plain object, creating the intermediate objects. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

function readConfig(type: string, target: TestTarget, values: Record<string, unknown>, env: CliEnv): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const f of target.flags) {
    const given = values[f.flag];
    const raw = given === true ? 'true' : typeof given === 'string' ? given : env[envName(type, f.flag)];
    if (raw !== undefined && raw !== '') setPath(config, f.field, convert(raw, f.kind, f.flag));
  }
  const missing = target.required.filter((r) => config[target.flags.find((f) => f.flag === r)!.field] === undefined);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => `--${m} (or ${envName(type, m)})`).join(', ')}`);
  return config;
}

async function readSecrets(type: string, target: TestTarget, fromStdin: boolean, env: CliEnv, io: CliIo): Promise<Record<string, string>> {
  const secrets: Record<string, string> = {};
  for (const field of target.secrets) {
    const value = env[envName(type, field)];
    if (value !== undefined && value !== '') secrets[field] = value;
  }
  if (!fromStdin) return secrets;
  for (const line of (await io.readStdin()).split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const at = line.indexOf('=');
    const field = at < 0 ? '' : line.slice(0, at).trim();
    if (!target.secrets.includes(field)) {
      throw new UsageError(`standard input: expected "field=value" lines with a field of ${type} (${target.secrets.join(', ')})`);
    }
    secrets[field] = line.slice(at + 1);
  }
  return secrets;
}

/** Names the invalid field and the flag or variable that sets it, so the user knows what to change. */
function fieldHint(type: string, target: TestTarget, field: string | undefined): string {
  if (field === undefined) return '';
  const [scope, ...path] = field.split('.');
  const name = path.join('.');
  const f = target.flags.find((c) => c.field === name);
  const how =
    scope === 'secrets' && name !== ''
      ? ` (set the secret with ${envName(type, name)} or --secrets-stdin)`
      : scope === 'config' && f !== undefined
        ? ` (set it with --${f.flag} or ${envName(type, f.flag)})`
        : '';
  return `\n  field: ${field}${how}`;
}

/** A failed step whose detail says the server certificate was not accepted (Node's TLS verification errors). */
const TLS_VERIFICATION = /certificate|CERT_|SELF_SIGNED|UNABLE_TO_(?:GET|VERIFY)|altnames|DEPTH_ZERO/i;

/** A field value for a terminal line: plain words as they are, lists joined, text quoted. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s,()="]+$/.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) return value.map((v) => formatValue(v)).join(',');
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/**
 * One event as a human-readable line, `[level] event: message (key=value, ...)`; multi-line text
 * (an SMTP transcript, a SOAP envelope) follows indented.
 */
function formatEvent(entry: LogEntry): string {
  const inline: string[] = [];
  const blocks: string[] = [];
  for (const [key, value] of Object.entries(entry.fields)) {
    if (value === undefined) continue;
    if (typeof value === 'string' && value.includes('\n')) blocks.push(`  ${key}:\n${value.replace(/\r?\n$/, '').replace(/^/gm, '    ')}\n`);
    else inline.push(`${key}=${formatValue(value)}`);
  }
  return `[${entry.level}] ${entry.event}: ${entry.msg}${inline.length > 0 ? ` (${inline.join(', ')})` : ''}\n${blocks.join('')}`;
}

function formatReport(report: TestReport): string {
  const width = Math.max(4, ...report.steps.map((s) => s.name.length));
  const lines = report.steps.map((s) => {
    const detail = [s.detail, s.code === undefined ? undefined : `[${s.code}]`].filter((x) => x !== undefined).join(' ');
    return `${s.ok ? 'ok  ' : 'FAIL'}  ${s.name.padEnd(width)}  ${String(Math.round(s.durationMs)).padStart(6)} ms  ${detail}`.trimEnd();
  });
  const failed = report.steps.filter((s) => !s.ok);
  const summary = report.ok
    ? `PASSED: ${report.steps.length} step(s) in ${report.durationMs} ms`
    : `FAILED: ${failed.length} of ${report.steps.length} step(s) failed, first "${failed[0]?.name}" (${report.errorCode}), in ${report.durationMs} ms`;
  return `${report.type} test\n${lines.join('\n')}\n${summary}\n`;
}

/** Wraps `io` so that no secret value (nor its URL or base64 form) can reach the terminal. */
function scrubbed(io: CliIo, secrets: readonly string[]): CliIo {
  const redactor = new Redactor(secrets);
  return { stdout: (t) => io.stdout(redactor.text(t)), stderr: (t) => io.stderr(redactor.text(t)), readStdin: () => io.readStdin() };
}

async function runTest(type: string, target: TestTarget, args: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  const secretFlags = new Set(target.secrets.flatMap((s) => [s, kebab(s)]));
  const misplaced = args.find((a) => a.startsWith('--') && secretFlags.has(a.slice(2).split('=')[0]!));
  if (misplaced !== undefined) {
    const name = misplaced.slice(2).split('=')[0]!;
    throw new UsageError(`secrets are not accepted as flags (--${name}): set ${envName(type, target.secrets.find((s) => kebab(s) === kebab(name))!)} or use --secrets-stdin`);
  }
  const options = {
    ...COMMON,
    ...Object.fromEntries(target.flags.map((f) => [f.flag, { type: f.kind === 'boolean' ? 'boolean' : 'string' } as const])),
    ...Object.fromEntries((target.hostFlags ?? []).map((f) => [f.flag, { type: 'boolean' } as const])),
  };
  const { values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  if (values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const eventLevel = (values['event-level'] ?? 'errors') as EventLevel;
  if (!EVENT_LEVELS.includes(eventLevel)) throw new UsageError(`--event-level must be one of ${EVENT_LEVELS.join(', ')}`);
  if (values.text !== undefined && values.to === undefined) throw new UsageError('--text needs --to (the recipient of the test message)');
  const config = readConfig(type, target, values, env);
  const secrets = await readSecrets(type, target, values['secrets-stdin'] === true, env, io);
  const out = scrubbed(io, Object.values(secrets));
  // The registry's `test` event repeats the report the command prints: leave it out.
  const host = Object.fromEntries((target.hostFlags ?? []).map((f) => [f.flag, (values as Record<string, unknown>)[f.flag] === true]));
  const registry = createRegistry({ types: [await target.load(host)], logger: (entry) => void (entry.event === 'test' || out.stderr(formatEvent(entry))) });
  try {
    let id: string;
    try {
      id = (await registry.create({ type, name: `transportkit test ${type}`, config, secrets, eventLevel })).id;
      await registry.resolve(id);
    } catch (cause) {
      if (!isTransportError(cause) || cause.code !== 'CONFIG_INVALID') throw cause;
      out.stderr(`error: ${cause.message}${fieldHint(type, target, cause.field)}\n`);
      return EXIT.usage;
    }
    const report = await registry.test(id, {
      ...(values.to === undefined ? {} : { to: values.to }),
      ...(values.text === undefined ? {} : { text: values.text }),
    });
    out.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    if (target.tlsHint !== undefined && report.steps.some((s) => !s.ok && TLS_VERIFICATION.test(s.detail ?? ''))) out.stderr(`${target.tlsHint}\n`);
    return report.ok ? EXIT.ok : EXIT.failed;
  } catch (cause) {
    out.stderr(`error: ${isTransportError(cause) ? `${cause.message} [${cause.code}]` : String((cause as Error).message)}\n`);
    return EXIT.failed;
  } finally {
    await registry.close();
  }
}

/**
 * Builds the `transportkit test` command with its own environment source, so tests (and
 * wrappers) hand in settings and secrets without touching `process.env`.
 */
export function createTestCommand(options: TestCommandOptions = {}): CliCommand {
  return {
    name: 'test',
    summary: 'Test a provider like the "Test" button: test smtp|aspsms|threema [--to ...]',
    help: HELP,
    async run(args, io) {
      const [type, ...rest] = args;
      if (type === undefined || type === '-h' || type === '--help' || type === 'help') {
        io[type === undefined ? 'stderr' : 'stdout'](HELP);
        return type === undefined ? EXIT.usage : EXIT.ok;
      }
      const target = Object.hasOwn(TARGETS, type) ? TARGETS[type] : undefined;
      if (target === undefined) {
        io.stderr(`error: unknown provider type "${type}" (known: ${Object.keys(TARGETS).join(', ')})\n\n${HELP}`);
        return EXIT.usage;
      }
      try {
        return await runTest(type, target, rest, options.env ?? process.env, io);
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException | undefined)?.code;
        if (cause instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
          io.stderr(`error: ${(cause as Error).message}\n\nRun "transportkit test --help" for the options.\n`);
          return EXIT.usage;
        }
        io.stderr(`error: ${(cause as Error).message}\n`);
        return EXIT.failed;
      }
    },
  };
}

/** `transportkit test smtp|aspsms|threema ...`: the provider Test from the command line, reading `process.env`. */
export const testCommand: CliCommand = createTestCommand();
