import { describe, expect, it } from 'vitest';
import { CircuitBreakers } from '../../src/registry/circuit.js';

/** Breakers opening after 2 consecutive failures, for 1000 ms. */
const breakers = () => new CircuitBreakers({ failureThreshold: 2, cooldownMs: 1_000 });

/** Opens the circuit of `id` at `at`. */
function open(circuits: CircuitBreakers, id: string, at: number): void {
  circuits.failure(id, at);
  circuits.failure(id, at);
}

describe('CircuitBreakers', () => {
  it('stays closed for an unknown provider and below the failure threshold', () => {
    const circuits = breakers();
    expect([circuits.admit('p', 0), circuits.state('p', 0)]).toStrictEqual(['closed', 'closed']);
    circuits.failure('p', 0);
    expect([circuits.admit('p', 5_000), circuits.state('p', 5_000)]).toStrictEqual(['closed', 'closed']);
  });

  it('is open until the cool-down has passed, then lets exactly one probe through', () => {
    const circuits = breakers();
    open(circuits, 'p', 10_000);
    expect([circuits.admit('p', 10_999), circuits.state('p', 10_999)]).toStrictEqual(['open', 'open']);
    expect(circuits.state('p', 11_000)).toBe('half-open');
    expect(circuits.admit('p', 11_000)).toBe('probe');
    // The probe is out: everyone else is held back until it decides.
    expect([circuits.admit('p', 11_000), circuits.admit('p', 99_000), circuits.state('p', 11_000)]).toStrictEqual(['open', 'open', 'half-open']);
  });

  it('a failed probe opens the circuit for another cool-down, a successful one closes it', () => {
    const circuits = breakers();
    open(circuits, 'p', 0);
    expect(circuits.admit('p', 1_000)).toBe('probe');
    circuits.failure('p', 1_500);
    expect([circuits.state('p', 2_499), circuits.admit('p', 2_499), circuits.admit('p', 2_500)]).toStrictEqual(['open', 'open', 'probe']);
    circuits.success('p');
    expect([circuits.state('p', 2_500), circuits.admit('p', 2_500)]).toStrictEqual(['closed', 'closed']);
  });

  it('forceProbe makes an open circuit half-open before its cool-down; it ignores a provider without a circuit', () => {
    const circuits = breakers();
    open(circuits, 'p', 0);
    circuits.forceProbe('p');
    expect([circuits.state('p', 1), circuits.admit('p', 1)]).toStrictEqual(['half-open', 'open']);
    // The forced probe failing opens the circuit again (a probe failure opens whatever the count).
    circuits.failure('p', 2);
    expect(circuits.state('p', 3)).toBe('open');
    expect(() => circuits.forceProbe('unknown')).not.toThrow();
    expect(circuits.state('unknown', 3)).toBe('closed');
  });

  it('oldestOpen picks the provider whose circuit opened first, ignoring closed and unknown ones', () => {
    const circuits = breakers();
    open(circuits, 'late', 300);
    open(circuits, 'first', 100);
    open(circuits, 'middle', 200);
    circuits.failure('below', 50);
    expect(circuits.oldestOpen(['unknown', 'below', 'late', 'middle', 'first'])).toBe('first');
    expect(circuits.oldestOpen(['late', 'below', 'middle'])).toBe('middle');
    expect(circuits.oldestOpen(['below', 'late'])).toBe('late');
    expect(circuits.oldestOpen(['unknown', 'below'])).toBeUndefined();
    expect(circuits.oldestOpen([])).toBeUndefined();
  });
});
