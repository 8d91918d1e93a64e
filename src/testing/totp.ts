import type { ProviderRegistry } from '../registry/registry.js';

/** Options of {@link currentTotpCode}. */
export interface CurrentTotpCodeOptions {
  /** The time the code is for (default: the registry's clock now). */
  readonly at?: Date | number;
  /** The code of a replacement that waits for its confirmation (`enroll` with `replace`) instead of the current secret. */
  readonly replacement?: boolean;
}

/**
 * The TOTP code a test user's authenticator app shows now: read from the user's stored secret
 * through the registry (its storage and keys), so a host's end-to-end test can sign in without
 * the secret from `enroll`. A code is accepted once per time step: to check twice, move the
 * registry's clock on by one `period`, or pass `at`. `NOT_FOUND` when the user is not enrolled.
 * For tests only: it opens the user's secret.
 *
 * @example
 * ```ts
 * const auth = await resolveTotp(registry, totpId);
 * await auth.enroll('u1', { label: 'alice@example.org' });
 * await auth.confirm('u1', await currentTotpCode(registry, totpId, 'u1'));   // { ok: true }
 * ```
 */
export async function currentTotpCode(registry: ProviderRegistry, providerId: string, userId: string, options: CurrentTotpCodeOptions = {}): Promise<string> {
  const { resolveTotp } = await import('../providers/totp/index.js');
  const provider = (await resolveTotp(registry, providerId)) as unknown as {
    codeForTests(userId: string, options: { readonly at?: number; readonly replacement?: boolean }): Promise<string>;
  };
  const at = options.at === undefined ? undefined : typeof options.at === 'number' ? options.at : options.at.getTime();
  return provider.codeForTests(userId, { ...(at === undefined ? {} : { at }), ...(options.replacement ? { replacement: true } : {}) });
}
