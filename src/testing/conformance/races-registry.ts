import { isTransportError } from '../../core/errors.js';
import type { TransportStorage } from '../../storage/types.js';
import { SHARED_RULES } from './check.js';
import { expectSame, expectThat, type ContractClause } from './contract-error.js';
import { providerRecord } from './fixtures.js';
import type { RaceScenario } from './race.js';

/** Providers raced on at once; callers are spread over them, so each round holds several races. */
const PROVIDERS = 5;
const NO_DANGLING = 'no interleaving may leave a usage or a default pointing at a deleted record, nor delete a record that has one without `force`';
const providerOf = (index: number) => `p${index % PROVIDERS}`;
/** About 4 in 10 callers of each provider remove it; the others refer to it. */
const removes = (index: number) => Math.floor(index / PROVIDERS) % 3 === 0;

type Reference = 'usage' | 'default';
/** A caller's `providers.remove`: its status and what a removal reported (usage ids, default tenants). */
type Removal = { readonly op: 'remove'; readonly provider: string; readonly status: string; readonly usages: string[]; readonly tenants: string[] };
/** A caller's `usages.add` (key = usage id) or `defaults.set` (key = tenant of the email default). */
type Referral = { readonly op: Reference; readonly provider: string; readonly key: string; readonly ok: boolean };
type RemovalOutcome = Removal | Referral;
const isRemoval = (o: RemovalOutcome): o is Removal => o.op === 'remove';
const isReferral = (o: RemovalOutcome): o is Referral => o.op !== 'remove';
const methodOf = (kind: Reference) => (kind === 'usage' ? 'usages.add' : 'defaults.set');
const clause = (method: string, problem: string): ContractClause => ({ method, problem, rule: NO_DANGLING });

async function refer(s: TransportStorage, kind: Reference, provider: string, key: string): Promise<Referral> {
  const ok = kind === 'usage' ? await s.usages.add(provider, { kind: 'form', id: key }) : await s.defaults.set('email', key, provider);
  return { op: kind, provider, key, ok };
}

async function remove(s: TransportStorage, provider: string, force: boolean): Promise<Removal> {
  const r = await s.providers.remove(provider, { force });
  const usages = r.status === 'not-found' ? [] : r.usages.map((u) => u.id);
  const tenants = r.status === 'not-found' ? [] : r.defaults.map((d) => String(d.tenant));
  return { op: 'remove', provider, status: r.status, usages, tenants };
}

/** The references of `provider` still stored: usage ids and tenants it is the email default of. */
async function storedReferences(s: TransportStorage, provider: string): Promise<Record<Reference, string[]>> {
  const usages = (await s.usages.list(provider)).map((u) => u.id);
  const defaults = (await s.defaults.list({ providerId: provider })).map((d) => String(d.tenant));
  return { usage: usages.sort(), default: defaults.sort() };
}

/** Checks the end of a removal race for one provider (see {@link removalRace}). */
async function verifyRemoval(s: TransportStorage, provider: string, outcomes: readonly RemovalOutcome[], force: boolean, kinds: readonly Reference[]): Promise<void> {
  const removals = outcomes.filter(isRemoval);
  const removed = removals.filter((o) => o.status === 'removed');
  const accepted = outcomes.filter(isReferral).filter((o) => o.ok);
  const allowed = force ? ['removed', 'not-found'] : ['removed', 'in-use', 'not-found'];
  const odd = removals.find((o) => !allowed.includes(o.status));
  expectThat(odd === undefined, { method: 'providers.remove', problem: `a remove with force ${force} gave status ${odd?.status}`, rule: force ? SHARED_RULES.removeForce : SHARED_RULES.removeInUse }, odd);
  expectThat(removed.length <= 1, clause('providers.remove', `provider ${provider} was removed by ${removed.length} callers`), removed);
  const stored = await storedReferences(s, provider);
  if ((await s.providers.get(provider)) !== undefined) {
    expectThat(removed.length === 0, clause('providers.remove', `provider ${provider} was reported removed but still exists`), removed);
    const refused = outcomes.filter(isReferral).find((o) => !o.ok);
    expectThat(refused === undefined, clause(refused ? methodOf(refused.op) : '', `a reference to provider ${provider}, which exists, was refused`), refused);
    for (const kind of kinds) {
      const keys = accepted.filter((o) => o.op === kind).map((o) => o.key).sort();
      expectSame(stored[kind], keys, clause(methodOf(kind), `the stored ${kind}s of ${provider} are not those whose call returned true`));
    }
    return;
  }
  expectSame(stored, { usage: [], default: [] }, clause(kinds.map(methodOf).join(' / '), `a usage or default refers to provider ${provider}, which is gone`));
  expectThat(removed.length === 1, clause('providers.remove', `provider ${provider} is gone but no caller removed it`), removals);
  const report = removed[0]!;
  if (!force) {
    const problem = `a provider with usages or defaults was deleted without force: ${provider} was removed while a ${accepted[0]?.op} of it returned true`;
    expectThat(accepted.length === 0, { method: 'providers.remove', problem, rule: 'never deleted without `force`' }, { removed: report, accepted });
    return;
  }
  const missed = accepted.filter((o) => !(o.op === 'usage' ? report.usages : report.tenants).includes(o.key));
  const problem = `a ${missed[0]?.op} of ${provider} returned true but was neither stored nor deleted with the provider`;
  expectThat(missed.length === 0, { method: 'providers.remove', problem, rule: SHARED_RULES.removeForce }, { removed: report, missed });
}

/**
 * `providers.remove` racing `usages.add` and/or `defaults.set` on the same providers. After the
 * race, per provider: at most one caller removed it; when it still exists every reference call
 * returned true and is stored; when it is gone nothing refers to it, and without `force` no
 * reference call returned true (that would have made it in use), with `force` every reference
 * that returned true was deleted with it (listed by the removal).
 */
function removalRace(id: string, force: boolean, kinds: readonly Reference[]): RaceScenario<RemovalOutcome> {
  return {
    id,
    rule: force
      ? 'a forced remove deletes the provider with every usage and default in one step: nothing refers to a missing provider'
      : 'a provider with a usage or a default is never deleted without force, and no usage or default refers to a missing provider',
    async setup(s) {
      for (let p = 0; p < PROVIDERS; p++) await s.providers.insert(providerRecord(`p${p}`));
    },
    call(s, index) {
      const provider = providerOf(index);
      return removes(index) ? remove(s, provider, force) : refer(s, kinds[index % kinds.length]!, provider, `r${index}`);
    },
    async verify(s, outcomes) {
      for (let p = 0; p < PROVIDERS; p++) {
        await verifyRemoval(s, `p${p}`, outcomes.filter((o) => o.provider === `p${p}`), force, kinds);
      }
    },
  };
}

/** Outcome of one `defaults.set` in the one-default race. */
type SetOutcome = { readonly provider: string; readonly ok: boolean };

const oneDefault: RaceScenario<SetOutcome> = {
  id: 'defaults.set-one-channel-and-tenant',
  rule: 'exactly one default per channel and tenant, also when many callers set it at once',
  async setup(s) {
    for (let i = 0; i < 50; i++) await s.providers.insert(providerRecord(`d${i}`));
  },
  async call(s, index) {
    const provider = `d${index % 50}`;
    return { provider, ok: await s.defaults.set('email', 'acme', provider) };
  },
  async verify(s, outcomes) {
    const rule = 'exactly one default per channel and tenant, also when many callers set it at once: the last write wins';
    const refused = outcomes.find((o) => !o.ok);
    expectThat(refused === undefined, { method: 'defaults.set', problem: 'a set naming an existing provider of the channel returned false', rule }, refused);
    const entries = (await s.defaults.list()).filter((d) => d.channel === 'email' && d.tenant === 'acme');
    expectSame(entries.length, 1, { method: 'defaults.set', problem: 'the settings of one channel and tenant are not exactly one', rule });
    expectSame(await s.defaults.get('email', 'acme'), entries[0]!.providerId, { method: 'defaults.get', problem: 'get does not give the one listed setting', rule });
    let naming = 0;
    for (let i = 0; i < 50; i++) naming += (await s.defaults.list({ providerId: `d${i}` })).length;
    expectSame(naming, 1, { method: 'defaults.list', problem: 'more than one provider is listed as the default of email/acme', rule });
  },
};

/** Outcome of one versioned write: the caller's mark, and whether it won. */
type VersionOutcome = { readonly mark: string; readonly won: boolean };

/** Runs a versioned write; `CONFLICT` (a lost race) is an outcome, anything else goes through. */
export async function versioned(mark: string, write: () => Promise<void>): Promise<VersionOutcome> {
  try {
    await write();
    return { mark, won: true };
  } catch (error) {
    if (isTransportError(error) && error.code === 'CONFLICT') return { mark, won: false };
    throw error;
  }
}

/** Exactly one winner among versioned writes, and the store holds the winner's value. */
export function oneWinner(method: string, outcomes: readonly VersionOutcome[], storedMark: string | undefined, rule: string): void {
  const winners = outcomes.filter((o) => o.won);
  expectSame(winners.length, 1, { method, problem: `${winners.length} of ${outcomes.length} writes with one expected version succeeded`, rule });
  expectSame(storedMark, winners[0]!.mark, { method, problem: 'the stored value is not the winner', rule });
}

const providerUpdate: RaceScenario<VersionOutcome> = {
  id: 'providers.update-one-version',
  rule: 'of many concurrent updates with the same expected version exactly one succeeds',
  async setup(s) {
    await s.providers.insert(providerRecord('a'));
  },
  call: (s, index) => versioned(`n${index}`, () => s.providers.update(providerRecord('a', { name: `n${index}` }), 1)),
  async verify(s, outcomes) {
    const rule = 'Atomic: of many concurrent updates with the same expected version exactly one succeeds';
    const stored = await s.providers.get('a');
    oneWinner('providers.update', outcomes, stored?.name, rule);
    expectSame(stored?.version, 2, { method: 'providers.update', problem: 'the winning update did not store version 2', rule: 'the stored record then carries `expectedVersion + 1`' });
  },
};

/** The race scenarios of providers, usages and defaults. */
export const registryRaceScenarios: readonly RaceScenario[] = [
  removalRace('providers.remove-vs-usages.add', false, ['usage']),
  removalRace('providers.remove-vs-defaults.set', false, ['default']),
  removalRace('providers.remove-force-vs-usages.add-and-defaults.set', true, ['usage', 'default']),
  oneDefault,
  providerUpdate,
];
