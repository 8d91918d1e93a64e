import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/index.js';
import { runStorageConformance } from '../../src/testing/index.js';
import { providerEvent } from '../../src/testing/conformance/fixtures.js';

runStorageConformance({ describe, it }, () => memoryStorage(), { name: 'memoryStorage' });

describe('memoryStorage specifics', () => {
  it('is process-local and keeps only the newest maxEvents events across batches', async () => {
    const s = memoryStorage({ maxEvents: 3 });
    expect(s.processLocal).toBe(true);
    await s.events.appendMany([providerEvent(0), providerEvent(1)]);
    await s.events.appendMany([providerEvent(2), providerEvent(3), providerEvent(4)]);
    expect((await s.events.list()).map((e) => e.id)).toEqual(['e2', 'e3', 'e4']);
    await s.events.appendMany([providerEvent(5), providerEvent(6), providerEvent(7), providerEvent(8)]);
    expect((await s.events.list()).map((e) => e.id)).toEqual(['e6', 'e7', 'e8']);
  });
});
