import type { ProviderEvent } from '../../core/events.js';
import type { EventQuery, TransportStorage } from '../../storage/types.js';
import { clausesOf, SHARED_RULES, type StorageCheck } from './check.js';
import { expectSame } from './contract-error.js';
import { at, providerEvent as event, scribble } from './fixtures.js';

const clause = clausesOf('events');
const ORDER = 'Events matching the query, oldest first (by `time`, then by append order)';

/** The event ids `list(query)` returns, in order. */
const listed = async (s: TransportStorage, query?: EventQuery) => (await s.events.list(query)).map((e) => e.id);

/** Six events at seconds 1-6: odd ones of `p1`, even ones of `p2`; types send, test, send.failed. */
const six = (): ProviderEvent[] =>
  [1, 2, 3, 4, 5, 6].map((n) => event(n, { providerId: n % 2 ? 'p1' : 'p2', type: ['send', 'test', 'send.failed'][n % 3]! }));

/** Checks of {@link EventStore}: batches, order, filters, limit, prune. */
export const eventChecks: readonly StorageCheck[] = [
  {
    store: 'events',
    name: 'appendMany stores batches; list is oldest first by time, then append order; an empty batch is a no-op',
    async run(s) {
      await s.events.appendMany([]);
      expectSame(await s.events.list(), [], clause('appendMany', 'an empty batch stored something', 'An empty batch is a no-op'));
      const first = [event(3), event(1)];
      const second = [event(11, { time: at(1) }), event(5)];
      await s.events.appendMany(first);
      await s.events.appendMany([]);
      await s.events.appendMany(second);
      expectSame(await listed(s), ['e1', 'e11', 'e3', 'e5'], clause('list', 'the events are not oldest first, ties in append order', ORDER));
      expectSame((await s.events.list())[0], event(1), clause('appendMany', 'an event was not stored as given', 'Appends a batch of events in the given order'));
    },
  },
  {
    store: 'events',
    name: 'list filters by provider, types and since (inclusive); limit keeps the newest, still oldest first',
    async run(s) {
      await s.events.appendMany(six());
      const cases: [query: EventQuery, ids: string[], problem: string, rule: string][] = [
        [{ providerId: 'p1' }, ['e1', 'e3', 'e5'], 'the provider filter is wrong', 'providerId'],
        [{ types: ['test', 'send.failed'] }, ['e1', 'e2', 'e4', 'e5'], 'the types filter is wrong', 'Only events of these types'],
        [{ since: at(4) }, ['e4', 'e5', 'e6'], 'since is not inclusive or not applied', 'Only events at or after this ISO time'],
        [{ limit: 2 }, ['e5', 'e6'], 'limit did not keep the newest, oldest first', 'At most this many, the newest ones'],
        [{ limit: 0 }, [], 'limit 0 did not give an empty list', 'At most this many, the newest ones'],
        [{ limit: 10 }, ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'], 'a limit above the count dropped events', 'At most this many, the newest ones'],
        [{ providerId: 'p2', limit: 2 }, ['e4', 'e6'], 'limit is not applied after the filters', 'At most this many, the newest ones'],
        [{ since: at(2), types: ['send'], providerId: 'p1' }, ['e3'], 'combined filters are wrong', ORDER],
      ];
      for (const [query, ids, problem, rule] of cases) expectSame(await listed(s, query), ids, clause('list', `${problem} for ${JSON.stringify(query)}`, rule));
    },
  },
  {
    store: 'events',
    name: 'prune deletes the events before `before`, returns how many, and keeps those at or after it',
    async run(s) {
      await s.events.appendMany(six());
      const rule = 'Deletes every event whose `time` is before `before` (an ISO time); returns how many';
      expectSame(await s.events.prune({ before: at(3) }), 2, clause('prune', 'the count of pruned events is wrong', rule));
      expectSame(await listed(s), ['e3', 'e4', 'e5', 'e6'], clause('prune', 'the wrong events are left', rule));
      expectSame(await s.events.prune({ before: at(3) }), 0, clause('prune', 'pruning again did not return 0', rule));
      expectSame(await s.events.prune({ before: at(100) }), 4, clause('prune', 'pruning everything returned a wrong count', rule));
      expectSame(await listed(s), [], clause('prune', 'events are left after pruning everything', rule));
    },
  },
  {
    store: 'events',
    name: 'events handed in and returned are copies',
    async run(s) {
      const batch = [event(1), event(2)];
      await s.events.appendMany(batch);
      scribble(batch);
      scribble(await s.events.list());
      expectSame(await s.events.list(), [event(1), event(2)], clause('list', 'changing an event handed in or returned changed the store', SHARED_RULES.copies));
    },
  },
];
