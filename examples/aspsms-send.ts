/**
 * Send an SMS through ASPSMS, read the credits and the delivery status.
 *
 * With an ASPSMS account (this sends a real, billed SMS):
 *   ASPSMS_USERKEY=... ASPSMS_PASSWORD=... ASPSMS_ORIGINATOR=MyShop ASPSMS_TO=+41791234567 \
 *     npx tsx examples/aspsms-send.ts
 *
 * Without ASPSMS_USERKEY it runs against the loopback mock from `transportkit/testing`, so it
 * works offline. ASPSMS_URL overrides the web service address.
 */
import { createRegistry } from 'transportkit';
import { aspsms, isAspsmsProvider } from 'transportkit/aspsms';
import { startAspsmsMock, type AspsmsMock } from 'transportkit/testing';

/** An environment variable, with empty treated as unset. */
const env = (name: string): string | undefined => process.env[name] || undefined;
const demo = { userKey: 'DEMOUSERKEY1', password: 'demo-password', credits: 25.5 };
const mock: AspsmsMock | undefined = env('ASPSMS_USERKEY') ? undefined : await startAspsmsMock({ accounts: [demo] });
const userKey = env('ASPSMS_USERKEY') ?? demo.userKey;
const password = mock ? demo.password : (env('ASPSMS_PASSWORD') ?? '');
const to = env('ASPSMS_TO') ?? '+41 79 123 45 67';
const serviceUrl = mock?.url ?? env('ASPSMS_URL');

const registry = createRegistry({ types: [aspsms()] });
try {
  const provider = await registry.create({
    type: 'aspsms',
    name: 'ASPSMS',
    config: {
      userKey,
      originator: env('ASPSMS_ORIGINATOR') ?? 'TKit Demo',
      ...(serviceUrl ? { serviceUrl } : {}),
      timeoutMs: 15_000,
      maxSegments: 3,
    },
    ...(password ? { secrets: { password } } : {}),
  });

  const report = await registry.test(provider.id);
  console.log(`test: ${report.ok ? 'ok' : `failed (${report.errorCode})`}`, report.steps.map((s) => `${s.name}: ${s.detail ?? ''}`));

  const result = await registry.send(provider.id, { to, text: 'Grüezi from transportkit! €5 off today.' });
  console.log(`sent ${result.segments} part(s) to ${result.accepted.join(', ')} as ${result.messageId}`);

  const live = await registry.resolve(provider.id);
  if (isAspsmsProvider(live)) {
    console.log(`credits left: ${(await live.getBalance()).amount}`);
    const references = Object.values((result.details?.references ?? {}) as Record<string, string>);
    for (const status of await live.deliveryStatus(references)) console.log(`delivery ${status.reference}: ${status.state} (reason ${status.reasonCode ?? '-'})`);
  }
} finally {
  await registry.close();
  await mock?.close();
}
