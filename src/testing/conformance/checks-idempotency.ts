import type { RaceScenario } from './race.js';
import { clausesOf, type StorageCheck } from './check.js';
import { expectSame } from './contract-error.js';
import { at, scribble } from './fixtures.js';

const clause = clausesOf('idempotency');
const CLAIM = 'Atomic: of many concurrent claims of one free key exactly one gets `claimed`';
const entry = (fingerprint = 'f1', now = at(0), expiresAt = at(60)) => ({ fingerprint, now, expiresAt });

/** Checks of {@link IdempotencyStore}: claim, completion, release, expiry, fingerprints. */
export const idempotencyChecks: readonly StorageCheck[] = [
  {
    store: 'idempotency',
    name: 'claim grants a free key once; the same message then sees in-progress, another one mismatch',
    async run(s) {
      expectSame(await s.idempotency.claim('k1', entry()), { status: 'claimed' }, clause('claim', 'a free key was not claimed', CLAIM));
      expectSame(await s.idempotency.claim('k1', entry()), { status: 'in-progress' }, clause('claim', 'a held key was not in-progress for the same fingerprint', 'with the same fingerprint `in-progress` or `completed` with its result'));
      expectSame(await s.idempotency.claim('k1', entry('f2')), { status: 'mismatch' }, clause('claim', 'a held key with another fingerprint was not a mismatch', 'A held or completed entry with another fingerprint gives `mismatch`'));
      expectSame(await s.idempotency.claim('k2', entry('f2')), { status: 'claimed' }, clause('claim', 'another key was not free', CLAIM));
    },
  },
  {
    store: 'idempotency',
    name: 'complete stores the result (a copy) for later claims; release frees the key',
    async run(s) {
      await s.idempotency.claim('k1', entry());
      const result = { providerId: 'p1', messageId: 'm1', accepted: ['a@example.org'], rejected: [] };
      await s.idempotency.complete('k1', result);
      scribble(result);
      const completed = { status: 'completed', result: { providerId: 'p1', messageId: 'm1', accepted: ['a@example.org'], rejected: [] } };
      expectSame(await s.idempotency.claim('k1', entry()), completed, clause('complete', 'a completed key did not return its result', 'Stores the (JSON) result of the claimed key; later claims get `completed`'));
      await s.idempotency.claim('k2', entry());
      await s.idempotency.release('k2');
      expectSame(await s.idempotency.claim('k2', entry()), { status: 'claimed' }, clause('release', 'a released key was not free', 'Frees the key (the send surely failed): the next claim may send'));
    },
  },
  {
    store: 'idempotency',
    name: 'an entry whose expiresAt is not after now is free again',
    async run(s) {
      await s.idempotency.claim('k1', entry('f1', at(0), at(10)));
      await s.idempotency.complete('k1', { done: true });
      expectSame(await s.idempotency.claim('k1', entry('f2', at(10), at(70))), { status: 'claimed' }, clause('claim', 'an expired entry was not replaced', 'An entry whose `expiresAt` is not after `now` is free again (replaced)'));
      expectSame(await s.idempotency.claim('k1', entry('f2', at(11), at(70))), { status: 'in-progress' }, clause('claim', 'the replacing claim was not held', CLAIM));
    },
  },
];

/** 50 concurrent claims of one free key: exactly one is `claimed`. */
export const idempotencyClaimRace: RaceScenario<string> = {
  id: 'idempotency.claim-one-key',
  rule: 'of many concurrent claims of one free idempotency key exactly one gets claimed (one send per key, across app instances)',
  async setup() {},
  call: async (s) => (await s.idempotency.claim('send-42', entry())).status,
  async verify(s, outcomes) {
    expectSame(outcomes.filter((o) => o === 'claimed').length, 1, { method: 'idempotency.claim', problem: 'not exactly one concurrent claim of one key got claimed', rule: CLAIM });
    expectSame(outcomes.every((o) => o === 'claimed' || o === 'in-progress'), true, { method: 'idempotency.claim', problem: 'a concurrent claim of the same message got neither claimed nor in-progress', rule: CLAIM });
    expectSame(await s.idempotency.claim('send-42', entry()), { status: 'in-progress' }, { method: 'idempotency.claim', problem: 'the key was not held after the race', rule: CLAIM });
  },
};
