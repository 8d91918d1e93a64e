import { describe, expect, it } from 'vitest';
import { createRegistry, memoryTransport } from '../../src/index.js';

describe('smoke', () => {
  it('creates, sends through the memory transport and records events', async () => {
    const memory = memoryTransport();
    const registry = createRegistry({ types: [memory] });
    const p = await registry.create({ type: 'memory', name: 'Mail', config: { channel: 'email' }, secrets: { password: 'hunter2-secret' } });
    const result = await registry.send(p.id, { to: 'a@example.org', subject: 'Hi', text: 'Hello' });
    expect(result.accepted).toEqual(['a@example.org']);
    expect(memory.find('a@example.org')).toHaveLength(1);
    const events = await registry.events({ providerId: p.id });
    expect(events.map((e) => e.type)).toContain('send');
    expect((await registry.get(p.id)).secrets).toEqual({ password: { set: true } });
  });
});
