/** The demo's step runner and table printer: each step says what it did, and any failure makes the exit code 1. */
import { isTransportError } from 'transportkit';

const useColour = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const paint = (code: number, text: string) => (useColour ? `\u001b[${code}m${text}\u001b[0m` : text);

/** Collects and prints the outcome of each demo step. */
export class Steps {
  private failed = 0;
  private passed = 0;

  /** Runs one step; prints ✓ with the detail, or ✗ with the error, and rethrows nothing. */
  async run<T>(name: string, fn: () => T | Promise<T>, detail?: (value: T) => string | undefined): Promise<T> {
    try {
      const value = await fn();
      this.pass(name, detail?.(value));
      return value;
    } catch (error) {
      this.fail(name, error);
      throw new StepFailed(name);
    }
  }

  /** A step that must fail with a given TransportError code. */
  async expectError(name: string, fn: () => Promise<unknown>, code: string): Promise<void> {
    try {
      await fn();
    } catch (error) {
      if (isTransportError(error) && error.code === code) return this.pass(name, `${code}: ${error.message}`);
      return this.fail(name, error);
    }
    this.fail(name, new Error(`expected ${code}, but it succeeded`));
  }

  /** A step whose result must be `{ ok }` (and, when failing, `reason`). */
  async expectResult(name: string, fn: () => Promise<{ ok: boolean; reason?: string }>, ok: boolean, reason?: string): Promise<void> {
    const result = await fn();
    const good = result.ok === ok && (reason === undefined || result.reason === reason);
    this.check(name, good, result.ok ? 'ok' : `not accepted: ${result.reason}`);
  }

  /** Records a check that was computed elsewhere. */
  check(name: string, ok: boolean, detail: string): void {
    if (ok) this.pass(name, detail);
    else this.fail(name, new Error(detail));
  }

  note(text: string): void {
    console.log(paint(2, `  ${text}`));
  }

  pass(name: string, detail?: string): void {
    this.passed += 1;
    console.log(`${paint(32, '✓')} ${name}${detail ? paint(2, ` — ${detail}`) : ''}`);
  }

  fail(name: string, error: unknown): void {
    if (error instanceof StepFailed) return;
    this.failed += 1;
    const text = isTransportError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
    console.log(`${paint(31, '✗')} ${name} — ${text}`);
  }

  /** Prints the verdict and returns the exit code. */
  summary(): number {
    console.log(`\n${this.failed === 0 ? paint(32, 'demo passed') : paint(31, 'demo FAILED')}: ${this.passed} step(s) passed, ${this.failed} failed`);
    return this.failed === 0 ? 0 : 1;
  }
}

/** Thrown by a failed step so the demo stops after reporting it once. */
class StepFailed extends Error {}

/** Prints rows as an aligned plain-text table. */
export function printTable(rows: readonly Record<string, string>[]): void {
  if (rows.length === 0) return console.log('  (none)');
  const columns = Object.keys(rows[0]!);
  const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => `  ${cells.map((c, i) => c.padEnd(width[i]!)).join('  ')}`.trimEnd();
  console.log(line(columns));
  console.log(line(width.map((w) => '─'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => row[c] ?? '')));
}
