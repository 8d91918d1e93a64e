import type { BalanceState } from '../../storage/types.js';
import { clausesOf, SHARED_RULES, type StorageCheck } from './check.js';
import { expectSame } from './contract-error.js';
import { at, scribble } from './fixtures.js';

const clause = clausesOf('balance');
const CLAIM = 'Exactly one caller per provider and day gets `true`';

const state = (over: Partial<BalanceState> = {}): BalanceState => ({
  providerId: 'p1',
  threshold: 10,
  notifyUserId: 'u1',
  lastBalance: { amount: 5.5, unit: 'credits', checkedAt: at(0) },
  ...over,
});

/** Checks of {@link BalanceStore}: state (last write wins) and the daily warning claim. */
export const balanceChecks: readonly StorageCheck[] = [
  {
    store: 'balance',
    name: 'get returns undefined for a miss; put stores the state, the last write wins',
    async run(s) {
      expectSame(await s.balance.get('p1'), undefined, clause('get', 'a missing state did not give undefined', 'The state, or `undefined`'));
      const rule = 'Stores the state (last write wins)';
      await s.balance.put(state());
      expectSame(await s.balance.get('p1'), state(), clause('put', 'the state is not stored as given', rule));
      const second = state({ threshold: 0, lastError: { code: 'UNAVAILABLE', message: 'down', at: at(5) }, lastWarningDay: '2026-01-01' });
      await s.balance.put(second);
      expectSame(await s.balance.get('p1'), second, clause('put', 'the second write did not replace the first', rule));
      expectSame(await s.balance.get('p2'), undefined, clause('get', 'another provider has a state', 'The state, or `undefined`'));
    },
  },
  {
    store: 'balance',
    name: 'claimDailyWarning is granted once per provider and day, and again after release',
    async run(s) {
      const cases: [provider: string, day: string, granted: boolean, problem: string][] = [
        ['p1', '2026-01-01', true, 'the first claim was refused'],
        ['p1', '2026-01-01', false, 'a second claim of the same day was granted'],
        ['p1', '2026-01-02', true, 'the claim of another day was refused'],
        ['p2', '2026-01-01', true, 'the claim of another provider was refused'],
      ];
      for (const [provider, day, granted, problem] of cases) expectSame(await s.balance.claimDailyWarning(provider, day), granted, clause('claimDailyWarning', problem, CLAIM));
      await s.balance.releaseDailyWarning('p1', '2026-01-01');
      const released = 'Gives a claim back (the warning could not be sent), so a later check that day may claim it';
      expectSame(await s.balance.claimDailyWarning('p1', '2026-01-01'), true, clause('releaseDailyWarning', 'a released claim could not be claimed again', released));
      expectSame(await s.balance.claimDailyWarning('p1', '2026-01-02'), false, clause('releaseDailyWarning', 'releasing one day released another', released));
    },
  },
  {
    store: 'balance',
    name: 'states handed in and returned are copies',
    async run(s) {
      const handedIn = state();
      await s.balance.put(handedIn);
      scribble(handedIn);
      scribble(await s.balance.get('p1'));
      expectSame(await s.balance.get('p1'), state(), clause('get', 'changing a state handed in or returned changed the store', SHARED_RULES.copies));
    },
  },
];
