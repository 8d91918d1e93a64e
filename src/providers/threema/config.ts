import { z } from 'zod';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The default box limit in bytes, of the provider (`maxBoxBytes`) and of the mock gateway alike:
 * 7812, the limit the Gateway API page gives (the official Python SDK since 2022); older docs
 * said 4000. Configure `maxBoxBytes: 4000` for a gateway that still enforces that.
 */
export const DEFAULT_MAX_BOX_BYTES = 7_812;

/** The non-secret configuration of a Threema.Gateway provider (defaults applied). */
export interface ThreemaConfig {
  /** The Gateway ID: `*` followed by 7 letters or digits. */
  readonly gatewayId: string;
  /** Gateway base URL (HTTPS; plain HTTP only for loopback test gateways). */
  readonly gatewayUrl: string;
  /** Per-request timeout in milliseconds. */
  readonly timeoutMs: number;
  /** How long looked-up public keys (and their precomputed box keys) and IDs are cached. The API asks clients to cache them. */
  readonly publicKeyCacheTtlSeconds: number;
  /** How long a recipient's capabilities are cached. */
  readonly capabilitiesCacheTtlSeconds: number;
  /** Extra attempts of idempotent lookups after a transient failure (sends are never retried). */
  readonly lookupRetries: number;
  /** First retry delay in milliseconds, doubled per attempt. */
  readonly retryDelayMs: number;
  /** Largest box the gateway accepts, in bytes; the padding is capped to stay within it. */
  readonly maxBoxBytes: number;
  /** Largest encrypted blob (file upload), in bytes. */
  readonly maxBlobBytes: number;
  /** Ask recipients' apps to send delivery receipts (`false` sets `noDeliveryReceipts=1`). */
  readonly deliveryReceipts: boolean;
}

/** The secret fields: the API secret and the private key, both sealed by the registry. */
export type ThreemaSecretField = 'secret' | 'privateKey';

/** zod schema of {@link ThreemaConfig}. */
export const threemaConfigSchema: z.ZodType<ThreemaConfig> = z.object({
  gatewayId: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^\*[A-Z0-9]{7}$/, 'must be "*" followed by 7 letters or digits'),
  gatewayUrl: z
    .string()
    .default('https://msgapi.threema.ch/')
    .refine((value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
      } catch {
        return false;
      }
    }, 'must be an https:// URL (http:// only for localhost)')
    .refine((value) => !/[?#]/.test(value) && !/@/.test(value.split('/')[2] ?? ''), 'must not contain credentials, a query or a fragment'),
  timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
  publicKeyCacheTtlSeconds: z.number().int().min(0).max(7 * 86_400).default(3_600),
  capabilitiesCacheTtlSeconds: z.number().int().min(0).max(86_400).default(300),
  lookupRetries: z.number().int().min(0).max(5).default(2),
  retryDelayMs: z.number().int().min(0).max(30_000).default(250),
  maxBoxBytes: z.number().int().min(64).max(1_000_000).default(DEFAULT_MAX_BOX_BYTES),
  maxBlobBytes: z.number().int().min(1).max(100 * 1024 * 1024).default(20 * 1024 * 1024),
  deliveryReceipts: z.boolean().default(true),
});
