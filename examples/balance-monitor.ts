/**
 * Balance monitor: the two ways a host schedules it. Runs on its own with the in-memory store and
 * the in-memory transport:
 *
 *   npx tsx examples/balance-monitor.ts
 */
import { BalanceMonitor, createRegistry, memoryStorage, memoryTransport, type BalanceCheckResult, type Channel } from 'transportkit';

// The host's users and their addresses per channel (normally the host's own user table).
const people: Record<string, Partial<Record<Channel, string>>> = {
  ops: { sms: '+41 79 123 45 67', email: 'ops@example.org' },
};

const memory = memoryTransport();
const registry = createRegistry({ storage: memoryStorage(), types: [memory] });
const sms = await registry.create({ type: 'memory', name: 'SMS gateway', config: { channel: 'sms', balance: 500 } });

const monitor = new BalanceMonitor({
  registry,
  users: { getAddress: (userId, channel) => people[userId]?.[channel] },
  timeZone: 'Europe/Zurich',
  locale: 'en',
});
const configured = await monitor.configure(sms.id, { threshold: 100, notifyUserId: 'ops' });
console.log(`recipient ready: ${configured.recipientReady} (${configured.address})`);

const summary = (results: readonly BalanceCheckResult[]) =>
  results.map((r) => (r.ok ? `${r.providerId.slice(0, 8)}: ${r.balance.amount} ${r.balance.unit}, warning ${r.warning.status}` : `${r.providerId.slice(0, 8)}: ${r.error.code}`));

// 1. Plain timer: check at start-up, then every 24 hours. Timers are unref'd and runs never
//    overlap; call stop() on shutdown.
memory.setBalance(sms.id, 42);
const firstRun = new Promise<readonly BalanceCheckResult[]>((resolve) => {
  const stop = monitor.start({
    runOnStart: true,
    every: '24h',
    onRun: (results) => {
      void stop().then(() => resolve(results));
    },
    onError: (error) => console.error(`balance run failed: ${error.code} ${error.message}`),
  });
});
console.log('start-up run:', summary(await firstRun));

// 2. Cron-style: the host's scheduler calls checkAll() once a day. Any cron library works the
//    same way; this minimal one runs the job every day at a local wall-clock time.
function everyDayAt(hour: number, minute: number, job: () => Promise<unknown>): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cancelled = false;
  const plan = () => {
    const next = new Date();
    next.setHours(hour, minute, 0, 0);
    if (next.getTime() <= Date.now()) next.setDate(next.getDate() + 1);
    timer = setTimeout(() => void job().catch(console.error).finally(() => !cancelled && plan()), next.getTime() - Date.now());
    timer.unref();
  };
  plan();
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
const dailyJob = () => monitor.checkAll();
const cancelDaily = everyDayAt(6, 0, dailyJob);

// What the 06:00 job does, run now: the warning of today was sent already, so none is sent again.
console.log('daily job, same day:', summary(await dailyJob()));
cancelDaily();

const status = await monitor.status(sms.id);
console.log('status:', {
  lastBalance: status.lastBalance,
  threshold: status.threshold,
  user: status.notifyUserId,
  address: status.address,
  recipientReady: status.recipientReady,
  lastWarningDay: status.lastWarningDay,
});
console.log('warnings sent:', memory.outbox(sms.id).map((m) => `${m.to.join(', ')}: ${(m.message as { text: string }).text}`));
await registry.close();
