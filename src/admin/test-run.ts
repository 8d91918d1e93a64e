import type { EmailMessage, SendResult, TestReport, TestStep, TextMessage } from '../core/messages.js';
import { toTransportError } from '../registry/support.js';
import type { AdminRegistry } from './types.js';

/** What the console's Test takes. */
export interface TestInput {
  readonly to?: string;
  readonly text?: string;
  readonly signal?: AbortSignal;
}

/**
 * The registry's Test, step by step: the same steps in the same order as `registry.test()`
 * (config, the provider's diagnostics, verify, balance, and with `to` a test send), each handed
 * to `onStep` as soon as it completed, so the console shows them as they come. Records the same
 * `test` event. Never throws for provider failures.
 *
 * (`registry.test()` returns the report only at the end; this follows it through the public
 * registry API.)
 */
export async function runTestStepwise(registry: AdminRegistry, id: string, input: TestInput, onStep: (step: TestStep) => void): Promise<TestReport> {
  const record = await registry.get(id);
  const clock = registry.clock;
  const started = clock.now();
  const steps: TestStep[] = [];
  const push = (step: TestStep) => {
    steps.push(step);
    onStep(step);
  };
  const failure = async (cause: unknown) => {
    const error = toTransportError(cause, id);
    return { message: await registry.redact(id, error.message).catch(() => error.message), code: error.code };
  };
  const step = async <T>(name: string, fn: () => Promise<T>, describe: (value: T) => string | undefined): Promise<T | undefined> => {
    const t0 = clock.now();
    try {
      const value = await fn();
      const detail = describe(value);
      push({ name, ok: true, durationMs: clock.now() - t0, ...(detail === undefined ? {} : { detail }) });
      return value;
    } catch (cause) {
      const { message, code } = await failure(cause);
      push({ name, ok: false, durationMs: clock.now() - t0, detail: message, code });
      return undefined;
    }
  };
  const signal = input.signal ? { signal: input.signal } : {};

  const provider = await step('config', () => registry.resolve(id), () => `type ${record.type}`);
  if (provider?.diagnostics) {
    const t0 = clock.now();
    let items: readonly Omit<TestStep, 'durationMs'>[];
    try {
      items = await provider.diagnostics();
    } catch (cause) {
      items = [{ name: 'diagnostics', ok: false, detail: (await failure(cause)).message }];
    }
    for (const item of items) push({ ...item, durationMs: clock.now() - t0 });
  }
  let sendResult: SendResult | undefined;
  if (provider?.kind === 'delivery') {
    if (provider.verify) await step('verify', () => provider.verify!(signal), (v) => v.detail ?? 'reachable, credentials accepted');
    if (provider.capabilities.balance && provider.getBalance) await step('balance', () => provider.getBalance!(signal), (b) => `${b.amount} ${b.unit}`);
    if (input.to !== undefined) {
      const to = input.to;
      const text = input.text ?? `Test message from transport provider "${record.name}" (${new Date(started).toISOString()}).`;
      const message: EmailMessage | TextMessage = provider.capabilities.message === 'email' ? { to, subject: `Test: ${record.name}`, text } : { to, text };
      sendResult = await step('send', () => registry.send(id, message, signal), (r) => `accepted by upstream${r.messageId ? ` as ${r.messageId}` : ''}`);
    }
  }
  const failed = steps.find((s) => !s.ok);
  const report: TestReport = {
    ok: failed === undefined,
    providerId: id,
    type: record.type,
    startedAt: new Date(started).toISOString(),
    durationMs: clock.now() - started,
    steps,
    ...(failed ? { errorCode: failed.code ?? 'UNAVAILABLE' } : {}),
    ...(sendResult ? { sendResult } : {}),
  };
  const event = report.ok
    ? registry.recordEvent(id, 'info', 'test', 'test passed', { steps: steps.map((s) => s.name) })
    : registry.recordEvent(id, 'error', 'test', `test failed at step "${failed?.name}"`, { steps: steps.map(({ name, ok, code, detail }) => ({ name, ok, code, detail })) });
  await event.catch(() => undefined);
  return report;
}
