import { postgresStorage } from '../../src/postgres/index.js';

/** The arguments a race round hands every process: the same server and schema. */
export interface OpenArgs {
  readonly url: string;
  readonly schema: string;
}

/** Opened in each race worker process: its own pool on the shared database and schema. */
export function openStorage(args: unknown) {
  const { url, schema } = args as OpenArgs;
  return postgresStorage({ connectionString: url, schema });
}
