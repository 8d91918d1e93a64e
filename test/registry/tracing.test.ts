import { describe, expect, it } from 'vitest';
import { BalanceMonitor, createRegistry, memoryTransport, type TracerLike } from '../../src/index.js';
import { recordingTracer } from '../support/tracer.js';

describe('OpenTelemetry spans', () => {
  it('spans sends, routed sends, tests and balance checks with provider attributes, never recipients or secrets', async () => {
    const { tracer, spans } = recordingTracer();
    const memory = memoryTransport();
    const registry = createRegistry({ types: [memory], tracer });
    const p = await registry.create({ type: 'memory', id: 'sms', config: { channel: 'sms', balance: 3 }, secrets: { password: 'Span-Secret-31' } });
    const { messageId } = await registry.send(p.id, { to: '+41791234567', text: 'hello' });
    memory.failNext('AUTH_FAILED');
    await registry.send({ providers: [p.id] }, { to: '+41791234567', text: 'x' }).catch(() => undefined);
    await registry.test(p.id);
    const monitor = new BalanceMonitor({ registry, users: { getAddress: () => '+41791234567' } });
    await monitor.check(p.id);
    expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['send memory', 'route send', 'test memory', 'balance check memory']));
    expect(spans[0]).toMatchObject({ kind: 3, ended: true, attributes: { 'messaging.system': 'transportkit', 'transportkit.provider.id': 'sms', 'messaging.message.id': messageId } });
    expect(spans.find((s) => s.name === 'send memory' && s.status)?.attributes['error.type']).toBe('AUTH_FAILED');
    expect(spans.find((s) => s.name === 'route send')?.attributes['error.type']).toBe('UNAVAILABLE');
    expect(spans.every((s) => s.ended)).toBe(true);
    const printed = JSON.stringify(spans);
    expect(printed).not.toContain('+41791234567');
    expect(printed).not.toContain('Span-Secret-31');
  });

  it('a throwing tracer never breaks a send, and tracer: false means no spans', async () => {
    const broken: TracerLike = { startActiveSpan: () => { throw new Error('exporter down'); } };
    const registry = createRegistry({ tracer: broken });
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    await expect(registry.send(p.id, { to: '+41791234567', text: 'x' })).resolves.toMatchObject({ accepted: ['+41791234567'] });
    expect(() => createRegistry({ tracer: {} as never })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'tracer' }));
    expect(createRegistry({ tracer: false }).tracer).toBeUndefined();
  });
});
