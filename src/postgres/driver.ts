import { TransportError } from '../core/errors.js';

/** One statement's result, the same shape from node-postgres and PGlite. */
export interface SqlResult<Row> {
  readonly rows: Row[];
  readonly rowCount: number;
}

/** What runs statements: the pool / PGlite instance, or one transaction. */
export interface SqlClient {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<Row>>;
}

/**
 * The one shape both drivers are adapted to, so the storage has a single SQL code path. Inside
 * `transaction` every statement must go through its `tx` (PGlite deadlocks otherwise, and a
 * pool would run it on another connection).
 */
export interface SqlDriver extends SqlClient {
  readonly kind: 'pg' | 'pglite';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  /**
   * Listens on a channel; `onReset` is called after a lost listener connection was replaced
   * (notifications in the gap are gone). Resolves to a function that stops listening.
   */
  listen(channel: string, onPayload: (payload: string) => void, onReset: () => void): Promise<() => Promise<void>>;
  /** Releases what the driver itself opened; a pool or instance handed in by the host stays open. */
  close(): Promise<void>;
}

/** SQLSTATEs after which the whole transaction may run again (PostgreSQL 15 docs, §13.5). */
const RETRYABLE_STATES = new Set(['40001', '40P01', '55P03']);
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The SQLSTATE of a driver error, if it has one (node-postgres also puts errno strings in `code`). */
export function sqlState(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SQLSTATE.test(code) ? code : undefined;
}

/** True for a serialization failure, deadlock or lock timeout: retry the whole transaction. */
export function isRetryableTransaction(cause: unknown): boolean {
  const state = sqlState(cause);
  return state !== undefined && RETRYABLE_STATES.has(state);
}

/**
 * A driver error as a TransportError that names the operation and the SQLSTATE. The driver's
 * error object is not kept as `cause`: node-postgres errors can reference the client, whose
 * configuration holds the connection password.
 */
export function storageError(operation: string, cause: unknown): TransportError {
  const state = sqlState(cause);
  const errno = (cause as { code?: unknown } | null)?.code;
  const message = typeof (cause as { message?: unknown } | null)?.message === 'string' ? (cause as { message: string }).message : String(cause);
  return new TransportError('STORAGE_FAILED', `postgres ${operation} failed${state ? ` (SQLSTATE ${state})` : ''}: ${message}`, {
    retryable: state === undefined || RETRYABLE_STATES.has(state) || state.startsWith('57') || state.startsWith('08'),
    details: { operation, ...(state ? { sqlstate: state } : typeof errno === 'string' ? { errno } : {}) },
  });
}
