import { clausesOf, SHARED_RULES, sameSet, type StorageCheck } from './check.js';
import { expectSame, expectThat } from './contract-error.js';
import { providerRecord as record, scribble } from './fixtures.js';

const usage = clausesOf('usages');
const defaults = clausesOf('defaults');
const ADD_MISSING = 'returns `false` and stores nothing when the provider does not exist';
const SET_MISSING = 'returns `false` and changes nothing when no provider with that id *and that channel* exists';
const ONE_PER_KEY = 'exactly one default per channel and tenant';

/** Checks of {@link UsageStore}: add (existing provider only, replace in place), remove, list. */
export const usageChecks: readonly StorageCheck[] = [
  {
    store: 'usages',
    name: 'add returns false and stores nothing for a missing provider',
    async run(s) {
      expectSame(await s.usages.add('ghost', { kind: 'form', id: 'f1' }), false, usage('add', 'adding to a missing provider did not return false', ADD_MISSING));
      await s.providers.insert(record('ghost'));
      expectSame(await s.usages.list('ghost'), [], usage('add', 'a usage of a missing provider was stored', ADD_MISSING));
    },
  },
  {
    store: 'usages',
    name: 'add keeps insertion order; the same kind + id replaces its label in place',
    async run(s) {
      await s.providers.insert(record('p1'));
      const added = [
        { kind: 'form', id: 'f1', label: 'Form 1' },
        { kind: 'form', id: 'f2' },
        { kind: 'workflow', id: 'f1', label: 'Workflow f1' },
        { kind: 'form', id: 'f1', label: 'Form 1 renamed' },
      ];
      for (const u of added) expectSame(await s.usages.add('p1', u), true, usage('add', 'adding to an existing provider did not return true', 'Adds a reference to an existing provider'));
      expectSame(
        await s.usages.list('p1'),
        [added[3], added[1], added[2]],
        usage('list', 'the references are not in insertion order with the replaced label in place', 'adding the same `kind` + `id` again replaces its label and keeps its position'),
      );
    },
  },
  {
    store: 'usages',
    name: 'remove deletes one reference of one provider and returns false when there was none',
    async run(s) {
      await s.providers.insert(record('p1'));
      await s.providers.insert(record('p2'));
      await s.usages.add('p1', { kind: 'form', id: 'f1' });
      await s.usages.add('p1', { kind: 'form', id: 'f2' });
      await s.usages.add('p2', { kind: 'form', id: 'f1' });
      const rule = 'Removes one reference; `false` when there was none';
      expectSame(await s.usages.remove('p1', 'workflow', 'f1'), false, usage('remove', 'removing a reference of another kind returned true', rule));
      expectSame(await s.usages.remove('p1', 'form', 'f1'), true, usage('remove', 'removing an existing reference did not return true', rule));
      expectSame(await s.usages.remove('p1', 'form', 'f1'), false, usage('remove', 'removing it again did not return false', rule));
      expectSame(await s.usages.list('p1'), [{ kind: 'form', id: 'f2' }], usage('remove', 'the wrong references are left', rule));
      expectSame(await s.usages.list('p2'), [{ kind: 'form', id: 'f1' }], usage('remove', "another provider's reference was removed", rule));
      expectSame(await s.usages.list('p3'), [], usage('list', 'a provider without references did not give an empty list', 'empty when none'));
    },
  },
  {
    store: 'usages',
    name: 'references handed in and returned are copies',
    async run(s) {
      await s.providers.insert(record('p1'));
      const handedIn = { kind: 'form', id: 'f1', label: 'Form 1' };
      await s.usages.add('p1', handedIn);
      scribble(handedIn);
      scribble(await s.usages.list('p1'));
      expectSame(await s.usages.list('p1'), [{ kind: 'form', id: 'f1', label: 'Form 1' }], usage('list', 'changing a reference handed in or returned changed the store', SHARED_RULES.copies));
    },
  },
];

/** Checks of {@link DefaultsStore}: set (existing provider of the channel only), get, clear, list. */
export const defaultChecks: readonly StorageCheck[] = [
  {
    store: 'defaults',
    name: 'set returns false and changes nothing for a missing provider or one of another channel',
    async run(s) {
      expectSame(await s.defaults.set('email', null, 'ghost'), false, defaults('set', 'a missing provider was made a default', SET_MISSING));
      await s.providers.insert(record('s', { channel: 'sms' }));
      expectSame(await s.defaults.set('email', null, 's'), false, defaults('set', 'a provider of another channel was made a default', SET_MISSING));
      expectSame(await s.defaults.list(), [], defaults('set', 'a refused set stored a default', SET_MISSING));
    },
  },
  {
    store: 'defaults',
    name: 'set, get and replace: global and tenant defaults kept apart, no fallback, one per channel and tenant',
    async run(s) {
      for (const id of ['g', 'a', 'c']) await s.providers.insert(record(id));
      await s.providers.insert(record('b', { channel: 'sms' }));
      const rule = 'Makes `providerId` the default of channel + tenant, replacing any previous one';
      for (const [channel, tenant, id] of [['email', null, 'g'], ['email', 't1', 'a'], ['sms', 't1', 'b'], ['email', 't1', 'c']] as const) {
        expectSame(await s.defaults.set(channel, tenant, id), true, defaults('set', `setting ${id} for ${channel}/${tenant} did not return true`, rule));
      }
      const noFallback = 'The provider id set for channel + tenant (`null` = global), or `undefined`. No fallback here';
      for (const [channel, tenant, id] of [['email', null, 'g'], ['email', 't1', 'c'], ['email', 't2', undefined], ['sms', null, undefined], ['sms', 't1', 'b']] as const) {
        expectSame(await s.defaults.get(channel, tenant), id, defaults('get', `the default of ${channel}/${tenant} is wrong`, noFallback));
      }
      const all = await s.defaults.list();
      const expected = [{ channel: 'email', tenant: null, providerId: 'g' }, { channel: 'email', tenant: 't1', providerId: 'c' }, { channel: 'sms', tenant: 't1', providerId: 'b' }];
      expectThat(sameSet(all, expected), defaults('list', 'the settings are not one per channel and tenant', ONE_PER_KEY), all);
    },
  },
  {
    store: 'defaults',
    name: 'clear removes the setting and returns the provider id it named',
    async run(s) {
      await s.providers.insert(record('a'));
      await s.defaults.set('email', 't1', 'a');
      await s.defaults.set('email', null, 'a');
      const rule = 'Clears the default of channel + tenant; returns the provider id it named, or `undefined`';
      expectSame(await s.defaults.clear('email', 't1'), 'a', defaults('clear', 'clearing did not return the provider id', rule));
      expectSame(await s.defaults.clear('email', 't1'), undefined, defaults('clear', 'clearing again did not return undefined', rule));
      expectSame(await s.defaults.get('email', 't1'), undefined, defaults('clear', 'the cleared default is still set', rule));
      expectSame(await s.defaults.list(), [{ channel: 'email', tenant: null, providerId: 'a' }], defaults('clear', 'clearing a tenant default changed another setting', rule));
    },
  },
  {
    store: 'defaults',
    name: 'list filters by provider id and returns copies',
    async run(s) {
      await s.providers.insert(record('a'));
      await s.providers.insert(record('b'));
      await s.defaults.set('email', null, 'a');
      await s.defaults.set('email', 't1', 'b');
      await s.defaults.set('email', 't2', 'a');
      const rule = 'Every setting, or those naming `filter.providerId`';
      const ofA = await s.defaults.list({ providerId: 'a' });
      expectThat(sameSet(ofA, [{ channel: 'email', tenant: null, providerId: 'a' }, { channel: 'email', tenant: 't2', providerId: 'a' }]), defaults('list', 'the filter by provider id is wrong', rule), ofA);
      expectSame(await s.defaults.list({ providerId: 'c' }), [], defaults('list', 'a provider without defaults did not give an empty list', rule));
      scribble(ofA);
      scribble(await s.defaults.list());
      expectSame(await s.defaults.get('email', 't2'), 'a', defaults('list', 'changing a returned setting changed the store', SHARED_RULES.copies));
    },
  },
];
