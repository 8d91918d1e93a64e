import type { EmailMessage, SendResult, TestReport, TestStep, TextMessage } from '../core/messages.js';
import type { Clock, TransportProvider } from '../core/provider.js';
import { optional, sendOptions, toTransportError } from './support.js';
import type { TestOptions } from './types.js';

/** What one Test run needs from the registry. */
export interface TestRun {
  readonly providerId: string;
  readonly type: string;
  readonly name: string;
  readonly clock: Clock;
  readonly recorder: { redact(text: string): string };
  resolve(): Promise<TransportProvider>;
  send(message: EmailMessage | TextMessage): Promise<SendResult>;
}

/**
 * The Test function: resolve the provider (`config`), its diagnostics, `verify()`, the balance
 * where supported and, with `to`, a test send. Every failure becomes a failing step; this never
 * throws for provider failures.
 */
export async function runTest(run: TestRun, options: TestOptions): Promise<TestReport> {
  const { clock } = run;
  const started = clock.now();
  const steps: TestStep[] = [];
  const push = (step: TestStep) => {
    steps.push(step);
    try {
      options.onStep?.(step);
    } catch {
      // The host's step callback must not break the Test.
    }
  };
  let sendResult: SendResult | undefined;
  const step = async <T>(name: string, fn: () => Promise<T>, describe: (value: T) => string | undefined): Promise<T | undefined> => {
    const t0 = clock.now();
    try {
      const value = await fn();
      push({ name, ok: true, durationMs: clock.now() - t0, ...optional('detail', describe(value)) });
      return value;
    } catch (cause) {
      const error = toTransportError(cause, run.providerId, run.recorder);
      push({ name, ok: false, durationMs: clock.now() - t0, detail: error.message, code: error.code });
      return undefined;
    }
  };

  const provider = await step('config', run.resolve, () => `type ${run.type}`);
  if (provider?.diagnostics) {
    const t0 = clock.now();
    const items = await provider.diagnostics().catch((cause: unknown) => [{ name: 'diagnostics', ok: false, detail: toTransportError(cause, run.providerId, run.recorder).message }]);
    for (const item of items) push({ ...item, durationMs: clock.now() - t0 });
  }
  if (provider?.kind === 'delivery') {
    const signal = sendOptions(options);
    if (provider.verify) await step('verify', () => provider.verify!(signal), (v) => v.detail ?? 'reachable, credentials accepted');
    if (provider.capabilities.balance && provider.getBalance) await step('balance', () => provider.getBalance!(signal), (b) => `${b.amount} ${b.unit}`);
  }
  // A route is tested through its providers: the send goes the way real sends go.
  const shape = provider?.kind === 'delivery' ? provider.capabilities.message : provider?.kind === 'route' ? (provider.channel === 'email' ? 'email' : 'text') : undefined;
  if (shape !== undefined && options.to !== undefined) {
    const to = options.to;
    const text = options.text ?? `Test message from transport provider "${run.name}" (${new Date(started).toISOString()}).`;
    const message: EmailMessage | TextMessage = shape === 'email' ? { to, subject: `Test: ${run.name}`, text } : { to, text };
    sendResult = await step('send', () => run.send(message), (r) => `accepted by ${provider?.kind === 'route' ? r.providerId : 'upstream'}${r.messageId ? ` as ${r.messageId}` : ''}`);
  }
  const failed = steps.find((s) => !s.ok);
  return {
    ok: failed === undefined,
    providerId: run.providerId,
    type: run.type,
    startedAt: new Date(started).toISOString(),
    durationMs: clock.now() - started,
    steps,
    ...optional('errorCode', failed ? (failed.code ?? 'UNAVAILABLE') : undefined),
    ...optional('sendResult', sendResult),
  };
}
