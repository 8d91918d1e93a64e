/**
 * The worker process of `runRaceInProcesses`: started with the URL of the host's storage
 * module, it opens an adapter per round, waits for the start signal, runs its share of the
 * scenario's callers and sends their results back. It exits when the parent disconnects.
 */
import type { TransportStorage } from '../../storage/types.js';
import type { FromWorker, RaceStorageModule, ToWorker } from './processes.js';
import { raceCall } from './race.js';
import { raceScenario } from './races.js';

const send = (message: FromWorker) => process.send!(message);
let round: { readonly storage: TransportStorage; readonly message: Extract<ToWorker, { type: 'round' }> } | undefined;

async function handle(module: RaceStorageModule, message: ToWorker): Promise<void> {
  if (message.type === 'round') {
    round = { storage: await module.openStorage(message.args), message };
    send({ type: 'opened' });
    return;
  }
  if (!round) throw new Error('go before round');
  const { storage, message: r } = round;
  round = undefined;
  const scenario = raceScenario(r.scenario);
  const results = await Promise.all(r.indices.map((i) => raceCall(scenario, storage, i, r.maxDelayMs)));
  await storage.close?.();
  send({ type: 'results', results });
}

/** Reports a failure; the parent then stops this worker. */
const fail = (error: unknown) => send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });

process.on('disconnect', () => process.exit(0));
try {
  const module = (await import(process.argv[2]!)) as Partial<RaceStorageModule>;
  if (typeof module.openStorage !== 'function') throw new TypeError(`${process.argv[2]} does not export openStorage(args)`);
  process.on('message', (message) => handle(module as RaceStorageModule, message as ToWorker).catch(fail));
  send({ type: 'ready' });
} catch (error) {
  fail(error);
}
