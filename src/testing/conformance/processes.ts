import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TransportStorage } from '../../storage/types.js';
import { inRound, judgeRace, RACE_DEFAULTS, type RaceOptions, type RaceResult, type RaceScenario } from './race.js';

/**
 * What the `module` of {@link ProcessRaceOptions} exports: how a process connects to the shared
 * store (the same file, the same database and schema) that `prepare` described.
 */
export interface RaceStorageModule {
  /** Opens this process's adapter on the shared store that `args` (from `prepare`) names. */
  openStorage(args: unknown): TransportStorage | Promise<TransportStorage>;
}

/** Runs the race scenarios from several processes on one shared store. */
export interface ProcessRaceOptions extends RaceOptions {
  /** Rounds, each on a fresh store from `prepare` (default 2; the workers stay up across rounds). */
  readonly rounds?: number;
  /** Worker processes; caller i runs in worker i mod `workers`. */
  readonly workers: number;
  /**
   * An ES module (a path, or a `file:` URL) exporting {@link RaceStorageModule.openStorage}.
   * Each worker imports it and opens one adapter per round with the round's `args`.
   */
  readonly module: string | URL;
  /**
   * Returns the `args` of one round: they must open a fresh, empty shared store (a new file, a
   * new schema, truncated tables). Called in this process before each round; the value is sent
   * to the workers, so it must be JSON-serialisable.
   */
  prepare(round: { readonly scenario: string; readonly round: number }): unknown;
  /** Opens this process's adapter for `setup` and `verify`; default: `openStorage` of `module`. */
  readonly open?: (args: unknown) => TransportStorage | Promise<TransportStorage>;
  /**
   * Node options of the workers. Default: `--import tsx` when the worker or `module` is a
   * TypeScript file (running from sources), else none.
   */
  readonly execArgv?: readonly string[];
}

/** Messages from this process to a worker. */
export type ToWorker =
  | { readonly type: 'round'; readonly args: unknown; readonly scenario: string; readonly indices: readonly number[]; readonly maxDelayMs: number }
  | { readonly type: 'go' };
/** Messages from a worker to this process. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'opened' }
  | { readonly type: 'results'; readonly results: readonly RaceResult[] }
  | { readonly type: 'failed'; readonly message: string };

const typescript = /\.[mc]?ts$/;
const here = fileURLToPath(import.meta.url);
const workerFile = fileURLToPath(new URL(`./worker${typescript.test(here) ? '.ts' : '.js'}`, import.meta.url));
const hrefOf = (module: string | URL) => (module instanceof URL || module.startsWith('file:') ? String(module) : pathToFileURL(resolve(module)).href);

/** One worker process and its messages, received in order. */
class RaceWorker {
  readonly #child: ChildProcess;
  readonly #inbox: FromWorker[] = [];
  #wake: (() => void) | undefined;
  #exit: Error | undefined;

  constructor(moduleHref: string, execArgv: readonly string[]) {
    this.#child = fork(workerFile, [moduleHref], { execArgv: [...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (message) => this.#push(() => this.#inbox.push(message as FromWorker)));
    this.#child.on('exit', (code, signal) => this.#push(() => (this.#exit = new Error(`race worker exited (${signal ?? `code ${code}`})`))));
    this.#child.on('error', (error) => this.#push(() => (this.#exit = error)));
  }

  #push(change: () => void): void {
    change();
    this.#wake?.();
  }

  send(message: ToWorker): void {
    this.#child.send(message);
  }

  /** The next message, which must be of `type`; rejects when the worker failed or exited. */
  async receive<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    while (this.#inbox.length === 0) {
      if (this.#exit) throw this.#exit;
      await new Promise<void>((wake) => (this.#wake = wake));
      this.#wake = undefined;
    }
    const message = this.#inbox.shift()!;
    if (message.type === 'failed') throw new Error(`race worker failed: ${message.message}`);
    if (message.type !== type) throw new Error(`race worker sent ${message.type}, expected ${type}`);
    return message as Extract<FromWorker, { type: T }>;
  }

  stop(): void {
    if (this.#child.connected) this.#child.disconnect();
    if (this.#child.exitCode === null) this.#child.kill();
  }
}

/**
 * Runs a race scenario with `options.workers` child processes on one shared store, for
 * several app instances on one database. Per round: `prepare` gives the args of a fresh store,
 * this process opens an adapter on it and runs `setup`; every worker opens its own adapter
 * (`openStorage(args)` of `module`), then all start together and run their share of the
 * callers (each after a random tiny delay); this process collects the outcomes, rejects any
 * uncoded or undocumented error and runs `verify`. The workers are started once per call and
 * stopped at the end; state between processes lives only in the store.
 */
export async function runRaceInProcesses(scenario: RaceScenario, options: ProcessRaceOptions): Promise<void> {
  const { callers, rounds, maxDelayMs } = { ...RACE_DEFAULTS, rounds: 2, ...options };
  const moduleHref = hrefOf(options.module);
  const execArgv = options.execArgv ?? (typescript.test(workerFile) || typescript.test(moduleHref) ? ['--import', 'tsx'] : []);
  const open = options.open ?? (async (args: unknown) => ((await import(moduleHref)) as RaceStorageModule).openStorage(args));
  const workers = Array.from({ length: options.workers }, () => new RaceWorker(moduleHref, execArgv));
  try {
    await Promise.all(workers.map((w) => w.receive('ready')));
    for (let round = 0; round < rounds; round++) {
      const args = await options.prepare({ scenario: scenario.id, round });
      const storage = await open(args);
      try {
        await scenario.setup(storage);
        workers.forEach((w, k) => {
          const indices = Array.from({ length: callers }, (_, i) => i).filter((i) => i % workers.length === k);
          w.send({ type: 'round', args, scenario: scenario.id, indices, maxDelayMs });
        });
        await Promise.all(workers.map((w) => w.receive('opened')));
        for (const w of workers) w.send({ type: 'go' });
        const results = (await Promise.all(workers.map((w) => w.receive('results')))).flatMap((m) => m.results);
        await judgeRace(scenario, storage, [...results].sort((a, b) => a.index - b.index));
      } catch (error) {
        throw inRound(error, `round ${round + 1} of ${rounds}, ${callers} callers in ${workers.length} processes`);
      } finally {
        await storage.close?.();
      }
    }
  } finally {
    for (const w of workers) w.stop();
  }
}
