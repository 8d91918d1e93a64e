import util from 'node:util';

/** The encodings a secret could appear in: raw, hex, base64, base64url, URL-encoded. */
export function encodingsOf(secret: string | Uint8Array): string[] {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  const forms = new Set<string>([
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
  ]);
  if (typeof secret === 'string') {
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  // Long values (keys, bundles) also count when a 24-character run of them shows.
  return [...forms].filter((f) => f.length >= 6);
}

/** Everything `util.inspect` prints of the values at full depth, with hidden properties too. */
export function printout(...values: unknown[]): string {
  return values.map((v) => util.inspect(v, { depth: null, showHidden: true, maxArrayLength: null, maxStringLength: null, getters: true })).join('\n');
}

/** The secrets (in any of their encodings) that occur in `text`, for an expectation of `[]`. */
export function leaksIn(text: string, secrets: Record<string, string | Uint8Array>): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    for (const form of encodingsOf(secret)) {
      const probe = form.length > 48 ? [form.slice(0, 24), form.slice(form.length / 2, form.length / 2 + 24)] : [form];
      if (probe.some((p) => text.includes(p))) found.push(`${name} as ${form.slice(0, 12)}…`);
    }
  }
  return found;
}
