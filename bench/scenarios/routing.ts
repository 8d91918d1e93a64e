/**
 * A route whose first provider is dead (every send fails after 20 ms): with the circuit breaker
 * the dead provider costs failed attempts only until its circuit opens and one probe per
 * cool-down after that, not one per message. Baseline: the same sends straight to the live one.
 */
import { createRegistry, memoryTransport } from '../../src/index.js';
import { quick, report, time } from '../lib.js';

const sends = quick ? 300 : 3_000;
const cooldownMs = 500;
const threshold = 3;
const memory = memoryTransport();
const registry = createRegistry({ types: [memory], circuitFailureThreshold: threshold, circuitCooldownMs: cooldownMs, defaultEventLevel: 'errors' });
await registry.create({ type: 'memory', id: 'dead', config: { channel: 'sms', latencyMs: 20 } });
await registry.create({ type: 'memory', id: 'live', config: { channel: 'sms' } });
memory.failNext('UNAVAILABLE', { providerId: 'dead', times: Number.MAX_SAFE_INTEGER });
const message = { to: '+41791234567', text: 'routed' };

const direct = await time(async () => {
  for (let i = 0; i < sends; i++) await registry.send('live', message);
}, 1, 0);
const started = performance.now();
const routed = await time(async () => {
  for (let i = 0; i < sends; i++) await registry.send({ providers: ['dead', 'live'] }, message, { retry: false });
}, 1, 0);
const elapsed = performance.now() - started;
const failedOnDead = registry.stats().delivery.dead?.failed.UNAVAILABLE ?? 0;
const cooldowns = Math.floor(elapsed / cooldownMs);

report({
  scenario: 'routing with a dead first provider',
  goal: 'failed attempts on the dead provider ≤ threshold + one probe per cool-down (not one per message)',
  variants: [
    { variant: 'straight to the live provider', work: `${sends} sends`, runsMs: direct, items: sends },
    {
      variant: 'route [dead, live]',
      work: `${sends} sends`,
      runsMs: routed,
      items: sends,
      baselineOf: 'straight to the live provider',
      extra: { failedOnDead, allowed: threshold + cooldowns + 1, cooldownsElapsed: cooldowns },
    },
  ],
  notes: [`circuit: ${threshold} consecutive failures open it for ${cooldownMs} ms, then one probe decides; without it every send would wait 20 ms on the dead provider.`],
});
await registry.close();
