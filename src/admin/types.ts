import type { BalanceMonitor } from '../balance/monitor.js';
import type { AnyProviderType } from '../core/provider.js';
import type { ProviderRegistry } from '../registry/registry.js';

/** The languages of the admin console. */
export type AdminLocale = 'de' | 'en';

/**
 * A text in one language for all, or per language. A gap is filled by the schema's own
 * `title`/`description` where there is one, else by the other language.
 */
export type LocalizedText = string | { readonly de?: string; readonly en?: string };

/** The acting user, as `authorize` returns it: recorded with every change. */
export interface AdminUser {
  /** The host's id of the user (non-empty). */
  readonly id: string;
  /** What the console shows for the user; default: the id. */
  readonly name?: string;
}

/** What `authorize` returns to refuse a request. */
export interface AdminRefusal {
  /** 401 (not signed in) or 403 (signed in, not allowed). */
  readonly status: 401 | 403;
  /** Plain-text reason shown to the caller; default: the status text. */
  readonly message?: string;
  /** Extra response headers, e.g. `WWW-Authenticate` or `Location` of a sign-in page. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Result of `authorize`: a user, a refusal, or nothing (= 401). */
export type AuthorizeResult = AdminUser | AdminRefusal | null | undefined | false;

/** A WHATWG fetch handler: runs as-is in Hono, Next.js route handlers, Bun and Deno. */
export type AdminHandler = (request: Request) => Promise<Response>;

/** A user the balance panel offers as "user to notify". */
export interface AdminUserChoice {
  readonly id: string;
  /** Display name; default: the id. */
  readonly name?: string;
}

/**
 * The host's user list for the balance panel's "user to notify" picker. Without it the panel
 * takes a user id as text. Addresses are not needed here: the BalanceMonitor's own user
 * directory resolves them.
 */
export interface AdminUserDirectory {
  /** The users to offer, in the order to show them. */
  list(): readonly AdminUserChoice[] | Promise<readonly AdminUserChoice[]>;
}

/** Label and help text of one configuration or secret field. */
export interface FieldText {
  readonly label?: LocalizedText;
  readonly help?: LocalizedText;
}

/**
 * Texts of a provider type for the console's forms. Built-in types come with German and English
 * texts; a host type without texts shows its schema's `title`/`description` (zod `.meta()` or
 * `.describe()`) or the field name.
 */
export interface TypeTexts {
  /** Name of the type in the "new provider" list. */
  readonly name?: LocalizedText;
  /** One line about the type. */
  readonly description?: LocalizedText;
  /** By field path, nested fields dotted (`smime.certificate`). */
  readonly fields?: Readonly<Record<string, FieldText>>;
  /** By secret field; `multiline` shows a text area (PEM keys, base64 bundles). */
  readonly secrets?: Readonly<Record<string, FieldText & { readonly multiline?: boolean }>>;
  /** Labels of enum values by field path, then value. */
  readonly options?: Readonly<Record<string, Readonly<Record<string, LocalizedText>>>>;
}

/** One change made through the console, as recorded (an event `admin.*`) and passed to `onAudit`. */
export interface AdminAuditEntry {
  /** ISO time. */
  readonly time: string;
  readonly user: AdminUser;
  /** `create`, `update`, `copy`, `remove`, `secret.set`, `secret.remove`, `default.set`, ... */
  readonly action: string;
  readonly providerId: string;
  readonly providerType: string;
  /** English one-line description, e.g. `secret "password" changed by alice`. */
  readonly message: string;
  /** Details of the change; never a secret value. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** What the console reads of a provider type: its id, kind, channel, config schema and secret fields. */
export type AdminProviderType = Pick<AnyProviderType, 'type' | 'kind' | 'channel' | 'configSchema' | 'secretFields'>;

/**
 * The registry methods the console uses: a {@link ProviderRegistry} fits (typed by shape, so a
 * registry from another copy of the package fits too).
 */
export type AdminRegistry = Pick<
  ProviderRegistry,
  | 'create'
  | 'get'
  | 'list'
  | 'update'
  | 'copy'
  | 'remove'
  | 'setSecret'
  | 'removeSecret'
  | 'usages'
  | 'removeUsage'
  | 'setDefault'
  | 'clearDefault'
  | 'resolve'
  | 'send'
  | 'events'
  | 'recordEvent'
  | 'redact'
  | 'test'
  | 'storage'
  | 'clock'
> & {
  /** The registered provider types. */
  providerTypes(): readonly AdminProviderType[];
};

/** The BalanceMonitor methods the console uses: a {@link BalanceMonitor} fits. */
export type AdminBalanceMonitor = Pick<BalanceMonitor, 'status' | 'configure' | 'check'>;

/** Options of {@link createAdminHandler}. */
export interface AdminHandlerOptions {
  /** The registry the console manages. */
  readonly registry: AdminRegistry;
  /** The balance monitor behind the balance panel; without it the panel is hidden. */
  readonly monitor?: AdminBalanceMonitor;
  /**
   * Required: decides every request (pages, assets and API alike) before anything else runs.
   * Returns the acting user, a refusal (401/403), or nothing (401). A throw answers 500.
   */
  readonly authorize: (request: Request) => AuthorizeResult | Promise<AuthorizeResult>;
  /**
   * The public path the console is mounted at, e.g. `/admin` (default: the root). Requests
   * arrive with it (node:http, Express through `toNodeListener`, Hono with `replaceRequest:
   * false`) or without it (Hono's `mount` strips it); both work.
   */
  readonly basePath?: string;
  /** Fixed language; default: from `Accept-Language` (German or English, else English). */
  readonly locale?: AdminLocale;
  /**
   * Origins (`https://admin.example.com`) accepted in the `Origin` header of a state-changing
   * request from a browser that sends no `Sec-Fetch-Site`. Default: the request URL's origin.
   * Behind a proxy that rewrites the host, list the public origin here.
   */
  readonly origins?: readonly string[];
  /**
   * Key of the CSRF tokens (HMAC-SHA256), at least 32 bytes. Default: random per handler; give
   * one shared value when several app instances serve the console behind one address.
   */
  readonly csrfSecret?: string | Uint8Array;
  /** Lifetime of a CSRF token in seconds (default 12 hours); the console renews it by itself. */
  readonly csrfTokenTtlSeconds?: number;
  /** The users the balance panel offers as "user to notify". */
  readonly users?: AdminUserDirectory;
  /** Texts of host provider types (or replacements for the built-in ones), by type id. */
  readonly typeTexts?: Readonly<Record<string, TypeTexts>>;
  /** Heading of the console; default "Transport providers" / "Transportanbieter". */
  readonly title?: LocalizedText;
  /** Largest accepted request body in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Called with every change made through the console (after it is recorded as an event). */
  readonly onAudit?: (entry: AdminAuditEntry) => void;
  /** Called with unexpected errors (answered with 500 and no detail), for the host's log. */
  readonly onError?: (error: unknown, request: Request) => void;
}
