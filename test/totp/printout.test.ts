import { describe, expect, it } from 'vitest';
import { createRegistry, generateSecretKey, memoryStorage } from '../../src/index.js';
import { resolveTotp, totp } from '../../src/providers/totp/index.js';
import { leaksIn, printout } from '../smtp/helpers/leaks.js';

describe('printouts of a live TOTP provider', () => {
  it('show neither an enrolled secret nor the registry key, at any depth, with hidden properties', async () => {
    const key = generateSecretKey();
    const registry = createRegistry({ types: [totp()], storage: memoryStorage(), secretKeys: { current: 'k1', keys: { k1: key } } });
    const info = await registry.create({ type: 'totp', name: 'Authenticator', config: { issuer: 'ACME Co' } });
    const auth = await resolveTotp(registry, info.id);
    const { secret } = await auth.enroll('u1', { label: 'alice@example.com' });
    const text = printout(auth, registry, String(auth), JSON.stringify(auth));
    expect(leaksIn(text, { secret, key })).toEqual([]);
    await registry.close();
  });
});
