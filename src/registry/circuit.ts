/** The state of one provider's circuit. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of the per-provider circuit breaker. */
export interface CircuitOptions {
  /** Consecutive provider failures that open the circuit (default 5). */
  readonly failureThreshold: number;
  /** How long an open circuit skips its provider before one probe send decides (default 30 s). */
  readonly cooldownMs: number;
}

interface Circuit {
  failures: number;
  openedAt: number | undefined;
  probing: boolean;
}

/** What {@link CircuitBreakers.admit} allows. */
export type CircuitAdmission = 'closed' | 'probe' | 'open';

/**
 * Per-provider circuit breakers of one registry (in-process state): after `failureThreshold`
 * consecutive provider failures the provider is skipped for `cooldownMs`; then exactly one probe
 * send is let through (half-open): success closes the circuit, failure opens it for another
 * cooldown. It never stays open for good: every cooldown ends in a probe.
 */
export class CircuitBreakers {
  readonly #circuits = new Map<string, Circuit>();

  constructor(private readonly options: CircuitOptions) {}

  /** Whether a send may go to the provider now; `probe` marks the one half-open trial. */
  admit(providerId: string, now: number): CircuitAdmission {
    const circuit = this.#circuits.get(providerId);
    if (!circuit || circuit.openedAt === undefined) return 'closed';
    if (circuit.probing || now < circuit.openedAt + this.options.cooldownMs) return 'open';
    circuit.probing = true;
    return 'probe';
  }

  /** Forces the half-open probe of an open provider (every provider of a route is open). */
  forceProbe(providerId: string): void {
    const circuit = this.#circuits.get(providerId);
    if (circuit) circuit.probing = true;
  }

  success(providerId: string): void {
    this.#circuits.delete(providerId);
  }

  /** A provider fault (not a fault of the message). */
  failure(providerId: string, now: number): void {
    const circuit = this.#circuits.get(providerId) ?? { failures: 0, openedAt: undefined, probing: false };
    circuit.failures += 1;
    if (circuit.probing || circuit.failures >= this.options.failureThreshold) {
      circuit.openedAt = now;
      circuit.probing = false;
    }
    this.#circuits.set(providerId, circuit);
  }

  /** The open provider whose circuit opened first: the one to probe when all are open. */
  oldestOpen(providerIds: readonly string[]): string | undefined {
    return [...providerIds].filter((id) => this.#circuits.get(id)?.openedAt !== undefined).sort((a, b) => this.#circuits.get(a)!.openedAt! - this.#circuits.get(b)!.openedAt!)[0];
  }

  state(providerId: string, now: number): CircuitState {
    const circuit = this.#circuits.get(providerId);
    if (!circuit || circuit.openedAt === undefined) return 'closed';
    return circuit.probing || now >= circuit.openedAt + this.options.cooldownMs ? 'half-open' : 'open';
  }
}
