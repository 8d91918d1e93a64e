import type { DeliveryState, DeliveryStatus } from '../../storage/types.js';
import type { RaceScenario } from './race.js';
import { clausesOf, type StorageCheck } from './check.js';
import { expectSame } from './contract-error.js';
import { at, scribble } from './fixtures.js';

const clause = clausesOf('deliveries');
const ORDER = 'a status only moves forward: `accepted` < `delivered` = `failed` = `expired` < `read`';
const status = (state: DeliveryState, over: Partial<DeliveryStatus> = {}): DeliveryStatus => ({ messageId: 'm1', providerId: 'p1', state, at: at(0), ...over });

/** Checks of {@link DeliveryStore}: statuses move forward only, and are copies. */
export const deliveryChecks: readonly StorageCheck[] = [
  {
    store: 'deliveries',
    name: 'advance stores a first status and only later ones in the order; get returns it or undefined',
    async run(s) {
      expectSame(await s.deliveries.get('m1'), undefined, clause('get', 'a missing status did not give undefined', 'The status of a message, or `undefined`'));
      expectSame(await s.deliveries.advance(status('delivered')), true, clause('advance', 'a first status was not stored', 'Stores `status` when the message has none'));
      expectSame(await s.deliveries.advance(status('accepted', { at: at(1) })), false, clause('advance', 'a late accepted replaced delivered', ORDER));
      expectSame(await s.deliveries.advance(status('failed', { reason: 'x' })), false, clause('advance', 'failed replaced delivered (same rank)', ORDER));
      expectSame(await s.deliveries.advance(status('read', { at: at(5) })), true, clause('advance', 'read did not replace delivered', ORDER));
      expectSame(await s.deliveries.get('m1'), status('read', { at: at(5) }), clause('get', 'the stored status is not the last one stored', ORDER));
      expectSame(await s.deliveries.get('m2'), undefined, clause('get', 'another message has a status', 'The status of a message, or `undefined`'));
    },
  },
  {
    store: 'deliveries',
    name: 'statuses handed in and returned are copies',
    async run(s) {
      const handedIn = status('failed', { reason: 'unknown subscriber' });
      await s.deliveries.advance(handedIn);
      scribble(handedIn);
      scribble(await s.deliveries.get('m1'));
      expectSame(await s.deliveries.get('m1'), status('failed', { reason: 'unknown subscriber' }), clause('get', 'changing a status handed in or returned changed the store', 'values handed in and returned are copies'));
    },
  },
];

const STATES: readonly DeliveryState[] = ['accepted', 'delivered', 'failed', 'expired', 'read'];

/** Concurrent reports of one message in every order: the highest status stays. */
export const deliveryAdvanceRace: RaceScenario<boolean> = {
  id: 'deliveries.advance-forward-only',
  rule: 'of concurrent status reports for one message the highest stays (out-of-order receipts never move it back)',
  async setup() {},
  call: (s, index) => s.deliveries.advance(status(STATES[index % STATES.length]!, { at: at(index) })),
  async verify(s, outcomes) {
    const rule = 'Atomic: of concurrent reports for one message the highest stays';
    expectSame((await s.deliveries.get('m1'))?.state, 'read', { method: 'deliveries.advance', problem: 'the final status is not the highest reported', rule });
    expectSame(outcomes.some(Boolean), true, { method: 'deliveries.advance', problem: 'no report was stored', rule });
    // Each stored report moves the status up one of three ranks: at most three can be stored.
    expectSame(outcomes.filter(Boolean).length <= 3, true, { method: 'deliveries.advance', problem: `${outcomes.filter(Boolean).length} reports were stored, so some moved the status sideways or back`, rule: ORDER });
  },
};
