import { hasErrorCode, isTransportError, type TransportErrorCode } from '../core/errors.js';
import { userSecretContext, type SecretBox } from '../core/secrets.js';
import type { ProviderRecord, TotpUserState, TransportStorage } from '../storage/types.js';
import type { RotationSkip } from './types.js';

/** What rotation needs from the registry. */
export interface RotationContext {
  readonly storage: TransportStorage;
  readonly box: SecretBox;
  now(): string;
}

/** The outcome of rotating one record or one TOTP user. */
export interface RotationStep {
  readonly rotated: number;
  readonly skipped: readonly RotationSkip[];
}

/** Re-reads a value changed concurrently at most this often before reporting it as skipped. */
const ATTEMPTS = 5;

/**
 * Re-seals the stale secret fields of one provider record. A field that cannot be opened stays
 * as it is and is reported; a concurrent update makes it read the record again.
 */
export async function rotateRecordSecrets(context: RotationContext, listed: ProviderRecord): Promise<RotationStep> {
  const { storage, box } = context;
  let record: ProviderRecord | undefined = listed;
  for (let attempt = 1; record; attempt += 1) {
    const secrets = { ...record.secrets };
    const skipped: RotationSkip[] = [];
    let rotated = 0;
    for (const [field, sealed] of Object.entries(record.secrets)) {
      if (!box.needsRotation(sealed)) continue;
      const reseal = attemptReseal(box, sealed, { recordId: record.id, field });
      if (typeof reseal === 'string') {
        secrets[field] = reseal;
        rotated += 1;
      } else skipped.push({ providerId: record.id, field, ...reseal });
    }
    if (rotated === 0) return { rotated, skipped };
    try {
      await storage.providers.update({ ...record, secrets, version: record.version + 1, updatedAt: context.now() }, record.version);
      return { rotated, skipped };
    } catch (cause) {
      if (hasErrorCode(cause, 'NOT_FOUND')) return { rotated: 0, skipped: [] };
      if (!hasErrorCode(cause, 'CONFLICT') || attempt >= ATTEMPTS) return unwritten(cause, record.id, Object.keys(record.secrets).filter((f) => box.needsRotation(record!.secrets[f]!)));
      record = await storage.providers.get(record.id);
    }
  }
  return { rotated: 0, skipped: [] };
}

/** Re-seals the stale TOTP user secrets of one provider, each user on its own. */
export async function rotateTotpSecrets(context: RotationContext, providerId: string): Promise<RotationStep[]> {
  const steps: RotationStep[] = [];
  for (const state of await context.storage.totp.list(providerId)) {
    if (context.box.needsRotation(state.sealedSecret)) steps.push(await rotateTotpUser(context, state));
  }
  return steps;
}

async function rotateTotpUser(context: RotationContext, listed: TotpUserState): Promise<RotationStep> {
  const { storage, box } = context;
  let state: TotpUserState | undefined = listed;
  for (let attempt = 1; state && box.needsRotation(state.sealedSecret); attempt += 1) {
    const reseal = attemptReseal(box, state.sealedSecret, userSecretContext(state.providerId, state.userId));
    if (typeof reseal !== 'string') return { rotated: 0, skipped: [{ providerId: state.providerId, userId: state.userId, ...reseal }] };
    try {
      await storage.totp.put({ ...state, sealedSecret: reseal, version: state.version + 1 }, state.version);
      return { rotated: 1, skipped: [] };
    } catch (cause) {
      if (!hasErrorCode(cause, 'CONFLICT') || attempt >= ATTEMPTS) {
        return { rotated: 0, skipped: [{ providerId: state.providerId, userId: state.userId, ...reason(cause) }] };
      }
      // A verification changed the state meanwhile (failures, last step): read it again.
      state = await storage.totp.get(state.providerId, state.userId);
    }
  }
  return { rotated: 0, skipped: [] };
}

/** The value sealed under the current key, or why it could not be. */
function attemptReseal(box: SecretBox, sealed: string, context: { recordId: string; field: string }): string | Omit<RotationSkip, 'providerId'> {
  try {
    return box.seal(box.open(sealed, context), context);
  } catch (cause) {
    return reason(cause);
  }
}

function unwritten(cause: unknown, providerId: string, fields: string[]): RotationStep {
  return { rotated: 0, skipped: fields.map((field) => ({ providerId, field, ...reason(cause) })) };
}

function reason(cause: unknown): { code: TransportErrorCode; reason: string } {
  return isTransportError(cause) ? { code: cause.code, reason: cause.message } : { code: 'STORAGE_FAILED', reason: String(cause) };
}
