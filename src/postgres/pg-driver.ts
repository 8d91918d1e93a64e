import { isRetryableTransaction, type SqlClient, type SqlDriver, type SqlResult } from './driver.js';

/** The part of a node-postgres `Pool` the adapter uses (structural, so no `pg` types leak). */
export interface PgPoolLike {
  /** Runs one statement on any pooled connection. */
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  /** Checks a connection out (for a transaction). */
  connect(): Promise<PgPooledClientLike>;
  /** Errors of idle connections. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Detaches the adapter's error listener on `close()`. */
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  /** The pool's connection settings, reused for the dedicated LISTEN connection. */
  readonly options?: object;
  /** Ends the pool (only a pool the adapter made itself). */
  end(): Promise<void>;
}

/** A connection checked out of a {@link PgPoolLike}. */
export interface PgPooledClientLike extends PgClientLike {
  /** Gives the connection back; with an error it is destroyed instead. */
  release(destroy?: boolean | Error): void;
}

/** The part of a node-postgres `Client` the adapter uses. */
export interface PgClientLike {
  /** Runs one statement on this connection. */
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  /** Notifications of the channels this connection listens on. */
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  /** Connection errors (a terminated backend, a lost network). */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Opens the connection. */
  connect(): Promise<unknown>;
  /** Closes the connection. */
  end(): Promise<void>;
}

type PgModule = { Pool: new (config: Record<string, unknown>) => PgPoolLike; Client: new (config: Record<string, unknown>) => PgClientLike };

/** Transactions retried at most this often on serialization failures and deadlocks. */
const TRANSACTION_ATTEMPTS = 5;
/** Reconnect back-off of the LISTEN connection: from 250 ms doubling up to 10 s. */
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;

async function loadPg(): Promise<PgModule> {
  const imported = (await import('pg')) as unknown as { default?: PgModule } & PgModule;
  return imported.default ?? imported;
}

const wrap = (client: { query: PgPoolLike['query'] }): SqlClient => ({
  async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    const result = await client.query(text, [...params]);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  },
});

/**
 * The node-postgres driver: queries on the pool, each transaction on one checked-out client
 * (`BEGIN` … `COMMIT`, retried as a whole on 40001/40P01/55P03), LISTEN on one dedicated client
 * that is replaced with back-off when its connection drops.
 */
export async function pgDriver(source: { readonly pool: PgPoolLike } | { readonly connectionString: string }, onError: (error: Error) => void): Promise<SqlDriver> {
  const pg = await loadPg();
  const owned = !('pool' in source);
  const pool = 'pool' in source ? source.pool : new pg.Pool({ connectionString: source.connectionString });
  // An idle client killed by the server emits on the pool; without a listener that crashes the process.
  pool.on('error', onError);
  const listeners = new Set<() => Promise<void>>();
  const connectionConfig = 'pool' in source ? { ...(pool.options ?? {}) } : { connectionString: source.connectionString };

  return {
    kind: 'pg',
    ...wrap(pool),
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt += 1) {
        const client = await pool.connect();
        let broken: Error | undefined;
        try {
          await client.query('BEGIN');
          const result = await fn(wrap(client));
          await client.query('COMMIT');
          return result;
        } catch (cause) {
          await client.query('ROLLBACK').catch((error: Error) => (broken = error));
          if (attempt >= TRANSACTION_ATTEMPTS || !isRetryableTransaction(cause)) throw cause;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
        } finally {
          client.release(broken);
        }
      }
    },
    async listen(channel, onPayload, onReset) {
      let client: PgClientLike | undefined;
      let stopped = false;
      let delay = RECONNECT_MIN_MS;
      const connect = async (): Promise<void> => {
        const next = new pg.Client(connectionConfig);
        next.on('notification', (message) => {
          if (message.channel === channel) onPayload(message.payload ?? '');
        });
        next.on('error', (error) => {
          onError(error);
          if (client !== next || stopped) return;
          client = undefined;
          void next.end().catch(() => undefined);
          void reconnect();
        });
        await next.connect();
        await next.query(`LISTEN ${channel}`);
        client = next;
        delay = RECONNECT_MIN_MS;
      };
      const reconnect = async (): Promise<void> => {
        while (!stopped && !client) {
          await new Promise((resolve) => setTimeout(resolve, delay).unref());
          delay = Math.min(delay * 2, RECONNECT_MAX_MS);
          try {
            await connect();
            // Whatever was announced while nobody listened is lost: the caller forgets its cache.
            onReset();
          } catch (error) {
            onError(error as Error);
          }
        }
      };
      await connect();
      const stop = async () => {
        stopped = true;
        listeners.delete(stop);
        await client?.end().catch(() => undefined);
        client = undefined;
      };
      listeners.add(stop);
      return stop;
    },
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      pool.removeListener('error', onError);
      if (owned) await pool.end();
    },
  };
}
