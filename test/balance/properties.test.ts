import fc from 'fast-check';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BalanceMonitor, ERROR_CODES, isTransportError } from '../../src/index.js';
import { fixture, users } from './helpers.js';

const weird = fc.oneof(
  fc.anything(),
  fc.constantFrom(null, undefined, Symbol('s'), Object.create(null) as unknown, '', 'sms-1', [], {}, () => 1, Number.NaN, -1, Number.POSITIVE_INFINITY),
  fc.record({ threshold: fc.anything(), notifyUserId: fc.anything() }),
);

describe('BalanceMonitor: any input gives a result or a coded TransportError', () => {
  it('property over the constructor and every method', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('configure', 'status', 'check', 'checkAll', 'start', 'constructor'), fc.array(weird, { maxLength: 3 }), async (method, args) => {
        const f = fixture();
        await f.provider('SMS', { balance: 3 });
        try {
          if (method === 'constructor') new BalanceMonitor(args[0] as never);
          else {
            const monitor = new BalanceMonitor({ registry: f.registry, users: users(), checkTimeoutMs: 100 });
            const outcome = (monitor[method] as (...a: unknown[]) => unknown)(...args);
            if (typeof outcome === 'function') await (outcome as () => Promise<void>)();
            else await outcome;
          }
        } catch (error) {
          expect(isTransportError(error), `${method}(${inspect(args)}) threw ${inspect(error)}`).toBe(true);
          expect(ERROR_CODES).toContain((error as { code: string }).code);
        }
      }),
      { numRuns: 200 },
    );
  });
});
