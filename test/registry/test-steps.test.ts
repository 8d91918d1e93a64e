import { describe, expect, it } from 'vitest';
import { createRegistry, type TestStep } from '../../src/index.js';

describe('registry.test({ onStep })', () => {
  it('hands over every step as it completes, in report order; a throwing callback changes nothing', async () => {
    const registry = createRegistry();
    const p = await registry.create({ type: 'memory', config: { channel: 'sms', balance: 5 } });
    const seen: TestStep[] = [];
    const report = await registry.test(p.id, { to: '+41791234567', onStep: (step) => seen.push(step) });
    expect(seen).toEqual(report.steps);
    expect(seen.map((s) => s.name)).toEqual(['config', 'verify', 'balance', 'send']);
    const again = await registry.test(p.id, { onStep: () => { throw new Error('host bug'); } });
    expect(again.ok).toBe(true);
  });
});
