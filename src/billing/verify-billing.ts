import type { Catalog } from '../catalog/model.js';
import { TierctlError } from '../errors.js';
import { registerSecret } from '../secrets.js';
import { billingKeysOf, featureExpectations, type VerificationResult } from './verifier.js';

export interface VerifyOptions {
  skipStripe: boolean;
  /** Permission -> Stripe feature lookup key (catalog.yaml `stripe_feature`); checked when any is declared. */
  stripeFeatures?: Readonly<Record<string, string>>;
  env?: NodeJS.ProcessEnv;
}

/**
 * Verifies every billing key of the desired catalog. Stripe keys go to Stripe (SDK
 * loaded only here, only when a key is set); Whop keys were format-checked by the
 * schema and are noted as unverified.
 */
export async function verifyBilling(catalog: Catalog, options: VerifyOptions): Promise<VerificationResult> {
  const env = options.env ?? process.env;
  const notes = billingKeysOf(catalog, 'whop').map((k) => ({ tier: k.tier, message: `whop product key ${k.key} not verified (no verifier for whop)` }));
  const stripeKeys = billingKeysOf(catalog, 'stripe');
  if (options.skipStripe) return { verified: false, reason: '--skip-stripe was given', facts: {}, problems: [], notes };
  // No tier is billed by Stripe: there is nothing to verify, with or without a key.
  if (stripeKeys.length === 0) return { verified: true, facts: {}, problems: [], notes };
  const apiKey = env['STRIPE_API_KEY'];
  if (!apiKey) return { verified: false, reason: 'STRIPE_API_KEY is not set', facts: {}, problems: [], notes };
  registerSecret(apiKey);
  const { StripePriceVerifier } = await import('./stripe-price-verifier.js');
  const verifier = new StripePriceVerifier({ apiKey, apiBase: env['STRIPE_API_BASE'], ...stripeTimeout(env['TIERCTL_STRIPE_TIMEOUT']), ...testRetryDelay(env) });
  return { ...(await verifier.verify(stripeKeys, featureExpectations(catalog, options.stripeFeatures ?? {}))), notes };
}

/** setTimeout holds at most 2^31-1 ms (~24.8 days); a longer delay fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `$TIERCTL_STRIPE_TIMEOUT`: seconds the whole verification may take (default 60).
 * Plain decimal seconds only ("0x10", "1e3", "12s" are refused), clamped to what a timer can hold.
 */
export function stripeTimeout(value: string | undefined): { timeoutMs?: number } {
  if (value === undefined || value === '') return {};
  const seconds = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new TierctlError(`TIERCTL_STRIPE_TIMEOUT must be a positive number of seconds, not "${value}"`, { hint: 'e.g. TIERCTL_STRIPE_TIMEOUT=60, or unset it' });
  return { timeoutMs: Math.max(1, Math.min(Math.round(seconds * 1000), MAX_TIMER_MS)) };
}

/**
 * Test suite only: TIERCTL_TEST_STRIPE_RETRY_MS=<ms> starts the retry backoff at that many
 * milliseconds (capped at ten times it) instead of 0.5 s to 5 s, so the CLI's retry tests
 * count retries without waiting real seconds. The curve's shape, jitter and deadline are
 * unchanged (tests/harden/stripe-rate-limit.test.ts checks them with a fake clock).
 */
export function testRetryDelay(env: NodeJS.ProcessEnv): { retryDelay?: { initialMs: number; maxMs: number } } {
  const value = env['TIERCTL_TEST_STRIPE_RETRY_MS'];
  if (value === undefined || value === '') return {};
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0) throw new TierctlError(`TIERCTL_TEST_STRIPE_RETRY_MS must be a positive whole number of milliseconds, not "${value}"`);
  return { retryDelay: { initialMs: ms, maxMs: ms * 10 } };
}
