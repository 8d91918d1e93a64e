import type { TransportStorage } from '../../storage/types.js';
import { clausesOf, SHARED_RULES, sameSet, type StorageCheck } from './check.js';
import { expectCode, expectSame, expectThat, sameJson } from './contract-error.js';
import { providerRecord as record, scribble } from './fixtures.js';

const clause = clausesOf('providers');

/** The ids of `list()`, in the order the store returns them. */
const ids = async (s: TransportStorage) => (await s.providers.list()).map((r) => r.id);

/** Checks of {@link ProviderStore}: get, list order, insert, versioned update, remove. */
export const providerChecks: readonly StorageCheck[] = [
  {
    store: 'providers',
    name: 'get returns undefined for a missing record and list is empty on a fresh store',
    async run(s) {
      expectSame(await s.providers.get('nope'), undefined, clause('get', 'a missing record did not give undefined', 'The record, or `undefined` when there is none'));
      expectSame(await s.providers.list(), [], clause('list', 'a fresh store is not empty', SHARED_RULES.emptyAtFirst));
    },
  },
  {
    store: 'providers',
    name: 'insert stores the record as given; list returns all records in creation order, also after an update',
    async run(s) {
      const inserted = [record('m'), record('a', { channel: 'sms', config: { channel: 'sms' } }), record('z')];
      for (const r of inserted) await s.providers.insert(r);
      expectSame(await s.providers.get('a'), inserted[1], clause('insert', 'get does not return the record as inserted', 'Stores a new record as given (version 1)'));
      expectSame(await s.providers.list(), inserted, clause('list', 'the records are not listed as inserted, in creation order', 'All records, in creation order'));
      await s.providers.update(record('a', { name: 'renamed' }), 1);
      expectSame(await ids(s), ['m', 'a', 'z'], clause('list', 'an update moved a record in the list', 'All records, in creation order'));
    },
  },
  {
    store: 'providers',
    name: 'insert throws CONFLICT for an existing id and keeps the stored record',
    async run(s) {
      await s.providers.insert(record('a'));
      const rule = 'Throws `CONFLICT` when the id exists';
      await expectCode(s.providers.insert(record('a', { name: 'second' })), 'CONFLICT', clause('insert', 'a duplicate id was not refused with CONFLICT', rule));
      expectSame(await s.providers.get('a'), record('a'), clause('insert', 'a refused insert changed the stored record', SHARED_RULES.failedCallChangesNothing));
    },
  },
  {
    store: 'providers',
    name: 'update replaces the record and stores version expectedVersion + 1 whatever record.version says',
    async run(s) {
      await s.providers.insert(record('a'));
      const rule = 'the stored record then carries `expectedVersion + 1` whatever `record.version` says';
      await s.providers.update(record('a', { name: 'renamed', version: 99 }), 1);
      expectSame(await s.providers.get('a'), record('a', { name: 'renamed', version: 2 }), clause('update', 'the stored record is not the update with version 2', rule));
      await s.providers.update(record('a', { name: 'again', version: 1 }), 2);
      expectSame(await s.providers.get('a'), record('a', { name: 'again', version: 3 }), clause('update', 'the stored record is not the update with version 3', rule));
    },
  },
  {
    store: 'providers',
    name: 'update throws CONFLICT for a stale version and NOT_FOUND for a missing record, changing nothing',
    async run(s) {
      await s.providers.insert(record('a'));
      await s.providers.update(record('a', { name: 'v2' }), 1);
      const rule = 'Throws `CONFLICT` on a version mismatch and `NOT_FOUND` when the record is gone';
      await expectCode(s.providers.update(record('a', { name: 'stale' }), 1), 'CONFLICT', clause('update', 'a stale expected version was not refused with CONFLICT', rule));
      await expectCode(s.providers.update(record('a', { name: 'ahead' }), 5), 'CONFLICT', clause('update', 'a wrong expected version was not refused with CONFLICT', rule));
      await expectCode(s.providers.update(record('zz'), 1), 'NOT_FOUND', clause('update', 'an update of a missing record was not refused with NOT_FOUND', rule));
      expectSame(await s.providers.get('a'), record('a', { name: 'v2', version: 2 }), clause('update', 'a refused update changed the record', SHARED_RULES.failedCallChangesNothing));
      expectSame(await s.providers.get('zz'), undefined, clause('update', 'an update of a missing record created it', SHARED_RULES.failedCallChangesNothing));
    },
  },
  {
    store: 'providers',
    name: 'update keeps the usages and defaults of the record',
    async run(s) {
      await s.providers.insert(record('a'));
      await s.usages.add('a', { kind: 'form', id: 'f1' });
      await s.defaults.set('email', 't1', 'a');
      await s.providers.update(record('a', { name: 'renamed' }), 1);
      const rule = 'Usages and defaults are kept';
      expectSame(await s.usages.list('a'), [{ kind: 'form', id: 'f1' }], clause('update', 'the usages of the record were lost', rule));
      expectSame(await s.defaults.get('email', 't1'), 'a', clause('update', 'the default naming the record was lost', rule));
    },
  },
  {
    store: 'providers',
    name: 'remove returns not-found for a missing id and removed (with the record) for an unused one',
    async run(s) {
      const notFound = '`not-found`: Nothing stored under that id';
      expectSame(await s.providers.remove('nope', { force: false }), { status: 'not-found' }, clause('remove', 'a missing id did not give not-found', notFound));
      expectSame(await s.providers.remove('nope', { force: true }), { status: 'not-found' }, clause('remove', 'a missing id with force did not give not-found', notFound));
      await s.providers.insert(record('a'));
      await s.providers.insert(record('b'));
      expectSame(
        await s.providers.remove('a', { force: false }),
        { status: 'removed', record: record('a'), usages: [], defaults: [] },
        clause('remove', 'an unused record was not removed with status removed and its record', SHARED_RULES.removeInUse),
      );
      expectSame(await ids(s), ['b'], clause('remove', 'the removed record is still listed, or another one went', SHARED_RULES.removeInUse));
      expectSame(await s.providers.remove('a', { force: false }), { status: 'not-found' }, clause('remove', 'a removed record did not give not-found', notFound));
    },
  },
  {
    store: 'providers',
    name: 'remove without force returns in-use with the usages and defaults and changes nothing',
    async run(s) {
      const usage = { kind: 'form', id: 'f1', label: 'Form 1' };
      for (const id of ['u', 'd', 'both']) await s.providers.insert(record(id));
      await s.usages.add('u', usage);
      await s.defaults.set('email', null, 'd');
      await s.usages.add('both', usage);
      await s.defaults.set('email', 't1', 'both');
      const cases: [problem: string, id: string, expected: unknown][] = [
        ['a provider with usages was deleted without force', 'u', { status: 'in-use', usages: [usage], defaults: [] }],
        ['a default provider was deleted without force', 'd', { status: 'in-use', usages: [], defaults: [{ channel: 'email', tenant: null, providerId: 'd' }] }],
        ['a provider with usages and a default was deleted without force', 'both', { status: 'in-use', usages: [usage], defaults: [{ channel: 'email', tenant: 't1', providerId: 'both' }] }],
      ];
      for (const [problem, id, expected] of cases) expectSame(await s.providers.remove(id, { force: false }), expected, clause('remove', problem, SHARED_RULES.removeInUse));
      expectSame(await ids(s), ['u', 'd', 'both'], clause('remove', 'an in-use removal deleted a record', SHARED_RULES.removeInUse));
      expectSame(await s.usages.list('both'), [usage], clause('remove', 'an in-use removal deleted usages', SHARED_RULES.removeInUse));
      expectSame(await s.defaults.get('email', null), 'd', clause('remove', 'an in-use removal cleared a default', SHARED_RULES.removeInUse));
    },
  },
  {
    store: 'providers',
    name: 'remove with force deletes the record, its usages and every default naming it, and nothing else',
    async run(s) {
      await s.providers.insert(record('a'));
      await s.providers.insert(record('b'));
      const usages = [{ kind: 'form', id: 'f1' }, { kind: 'workflow', id: 'w1', label: 'W' }];
      for (const u of usages) await s.usages.add('a', u);
      await s.usages.add('b', { kind: 'form', id: 'f2' });
      await s.defaults.set('email', null, 'a');
      await s.defaults.set('email', 't1', 'a');
      await s.defaults.set('email', 't2', 'b');
      const removal = await s.providers.remove('a', { force: true });
      const named = [{ channel: 'email', tenant: null, providerId: 'a' }, { channel: 'email', tenant: 't1', providerId: 'a' }];
      const reported = removal.status === 'removed' && sameJson(removal.record, record('a')) && sameJson(removal.usages, usages) && sameSet(removal.defaults, named);
      expectThat(reported, clause('remove', 'a forced removal did not report the record, its usages and its defaults', SHARED_RULES.removeForce), removal);
      expectSame(await ids(s), ['b'], clause('remove', 'a forced removal left the record, or deleted another', SHARED_RULES.removeForce));
      expectSame(await s.defaults.list({ providerId: 'a' }), [], clause('remove', 'a forced removal left a default naming the record', SHARED_RULES.removeForce));
      await s.providers.insert(record('a'));
      expectSame(await s.usages.list('a'), [], clause('remove', 'a forced removal left the usages (they come back with a new record of that id)', SHARED_RULES.removeForce));
      expectSame(await s.usages.list('b'), [{ kind: 'form', id: 'f2' }], clause('remove', "a forced removal deleted another record's usages", SHARED_RULES.removeForce));
      expectSame(await s.defaults.list(), [{ channel: 'email', tenant: 't2', providerId: 'b' }], clause('remove', "a forced removal changed another record's default", SHARED_RULES.removeForce));
    },
  },
  {
    store: 'providers',
    name: 'records handed in and returned are copies',
    async run(s) {
      const handedIn = record('a');
      await s.providers.insert(handedIn);
      scribble(handedIn);
      const problem = (what: string) => clause('get', `changing ${what} changed the stored record`, SHARED_RULES.copies);
      expectSame(await s.providers.get('a'), record('a'), problem('the record handed to insert'));
      scribble(await s.providers.get('a'));
      expectSame(await s.providers.get('a'), record('a'), problem('a record returned by get'));
      scribble(await s.providers.list());
      expectSame(await s.providers.get('a'), record('a'), problem('the records returned by list'));
      const update = record('a', { name: 'renamed' });
      await s.providers.update(update, 1);
      scribble(update);
      expectSame(await s.providers.get('a'), record('a', { name: 'renamed', version: 2 }), problem('the record handed to update'));
    },
  },
];
