/**
 * TOTP enrolment and second factor, runnable with the in-memory store:
 *
 *   npx tsx examples/totp-enrol.ts
 */
import { generate } from 'otplib';
import { createRegistry, memoryTransport, type TextMessage } from 'transportkit';
import { createSecondFactor, resolveTotp, totp } from 'transportkit/totp';

const memory = memoryTransport();
const registry = createRegistry({ types: [totp(), memory] });

// 1. A TOTP provider record: only the issuer and code parameters, no record secrets.
const { id: totpId } = await registry.create({ type: 'totp', name: 'Authenticator app', config: { issuer: 'ACME Co' } });
const authenticator = await resolveTotp(registry, totpId);

// 2. Enrolment: show `uri` as a QR code (any QR library), `secret` for manual entry.
const enrollment = await authenticator.enroll('user-42', { label: 'alice@example.org' });
console.log('Scan this otpauth URI as a QR code:', enrollment.uri);

// 3. The user types the first code from the app; here otplib plays the app.
const appCode = () => generate({ secret: enrollment.secret, epoch: Math.floor(Date.now() / 1000) });
console.log('confirm:', await authenticator.confirm('user-42', await appCode()));
console.log('same code again:', await authenticator.verify('user-42', await appCode()));

// 4. Second factor over a delivery provider (SMS here; e-mail and Threema work the same way).
const { id: smsId } = await registry.create({ type: 'memory', name: 'SMS', config: { channel: 'sms' } });
const secondFactor = createSecondFactor({ registry });
await secondFactor.challenge('user-7', { providerId: smsId, address: '+41791234567', locale: 'de' });
const sms = memory.last('+41791234567')?.message as TextMessage;
console.log('SMS text:', sms.text);
const code = /\d{6}/.exec(sms.text)?.[0] ?? '';
console.log('verify delivered code:', await secondFactor.verify('user-7', code));

// 5. The same API for a user who chose the authenticator app: nothing is sent.
console.log('challenge via TOTP:', await secondFactor.challenge('user-42', { providerId: totpId }));
console.log('events:', (await registry.events()).map((e) => e.type).join(', '));
await registry.close();
