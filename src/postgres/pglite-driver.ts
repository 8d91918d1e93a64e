import type { SqlClient, SqlDriver, SqlResult } from './driver.js';
import { lockDataDir } from './dir-lock.js';

/** The part of a PGlite instance (or its transaction) the adapter uses. */
export interface PGliteQueryable {
  /** Runs one statement. */
  query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[]; affectedRows?: number }>;
}

/** The part of a PGlite instance the adapter uses (structural, so no PGlite types leak). */
export interface PGliteLike extends PGliteQueryable {
  /** Runs `fn` in a transaction; its statements must go through `tx`. */
  transaction<T>(fn: (tx: PGliteQueryable) => Promise<T>): Promise<T>;
  /** Listens on a channel; resolves to the function that stops. */
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
  /** Closes the instance (only one the adapter opened itself). */
  close(): Promise<void>;
  /** True once closed. */
  readonly closed?: boolean;
}

const wrap = (target: PGliteQueryable): SqlClient => ({
  async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    const result = await target.query<Row>(text, [...params]);
    return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
  },
});

/**
 * The PGlite driver: PostgreSQL compiled to WASM, in this process. One session, so transactions
 * run one after another; LISTEN/NOTIFY works within the process. A data directory the adapter
 * opens itself is locked against a second opener.
 */
export async function pgliteDriver(source: string | PGliteLike): Promise<SqlDriver> {
  let db: PGliteLike;
  let release = () => {};
  if (typeof source === 'string') {
    const inMemory = source === '' || source.startsWith('memory://');
    if (!inMemory) release = lockDataDir(source.replace(/^file:\/\//, ''));
    try {
      const { PGlite } = (await import('@electric-sql/pglite')) as unknown as {
        PGlite: { create(dataDir: string | undefined, options: Record<string, unknown>): Promise<PGliteLike> };
      };
      db = await PGlite.create(inMemory ? undefined : source, {});
    } catch (error) {
      release();
      throw error;
    }
  } else {
    db = source;
  }
  const owned = typeof source === 'string';
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    async listen(channel, onPayload) {
      return db.listen(channel, onPayload);
    },
    async close() {
      if (owned && !db.closed) await db.close();
      release();
    },
  };
}
