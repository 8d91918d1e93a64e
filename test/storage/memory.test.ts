import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/index.js';
import { runStorageConformance } from '../../src/testing/index.js';

runStorageConformance({ describe, it, expect }, () => memoryStorage(), 'memoryStorage');

describe('memoryStorage specifics', () => {
  it('is process-local and drops the oldest events beyond maxEvents', async () => {
    const s = memoryStorage({ maxEvents: 3 });
    expect(s.processLocal).toBe(true);
    for (let n = 0; n < 5; n++) {
      await s.events.append({ id: `e${n}`, time: new Date(n * 1000).toISOString(), providerId: 'p', providerType: 'memory', severity: 'info', type: 't', message: 'm', fields: {} });
    }
    expect((await s.events.list()).map((e) => e.id)).toEqual(['e2', 'e3', 'e4']);
  });
});
