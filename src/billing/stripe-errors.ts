import { TierctlError } from '../errors.js';
import { redact } from '../secrets.js';

/**
 * Turns what the Stripe SDK throws into errors a person can act on. Matched by the
 * SDK's documented `type` names rather than classes, so this file needs no SDK import.
 * Every text taken from the SDK is redacted here as well as at the output boundary:
 * Stripe echoes (masked) keys in its messages, and errors may travel beyond the terminal.
 */
interface SdkError {
  type?: string;
  message?: string;
  statusCode?: number;
  requestId?: string;
  detail?: { code?: string; message?: string } | undefined;
  /** Set by the verifier's retry loop: retries made for this request, and whether it retried until the deadline. */
  tierctlRetries?: number;
  tierctlUntilDeadline?: boolean;
}

export const KEY_HINT = 'a restricted key with "Prices: read" and "Products: read" is all tierctl needs (and the recommended key for CI)';
const NOT_VERIFIED_HINT = 'nothing was planned; check the network and STRIPE_API_BASE and run again, or pass --skip-stripe to plan without verifying (apply then needs --skip-stripe too)';

function isSdkError(err: unknown): err is SdkError {
  return typeof err === 'object' && err !== null && typeof (err as SdkError).type === 'string' && (err as SdkError).type!.startsWith('Stripe');
}

function requestRef(err: SdkError): string {
  return err.requestId ? ` [request ${err.requestId}]` : '';
}

/** What tierctl was doing with Stripe, for the message, and what that means for the command (the hint's start). */
export interface StripeTask {
  /** e.g. "verify lookup keys" (plan, apply) or "read price IDs" (import). */
  doing: string;
  /** The hint when the failure may pass: e.g. NOT_VERIFIED_HINT. */
  hint: string;
}

export const VERIFY_TASK: StripeTask = { doing: 'verify lookup keys', hint: NOT_VERIFIED_HINT };
export const IMPORT_TASK: StripeTask = { doing: 'read price IDs', hint: 'nothing was imported; check the network and STRIPE_API_BASE and run import again' };

export function stripeFailure(err: unknown, target: string, retries: number, task: StripeTask = VERIFY_TASK): TierctlError {
  if (err instanceof TierctlError || !isSdkError(err)) {
    if (err instanceof TierctlError) return err;
    return new TierctlError(`could not ${task.doing} with ${target}: ${redact(err instanceof Error ? err.message : String(err))}`, { hint: task.hint });
  }
  const said = redact(err.message ?? '');
  const made = err.tierctlRetries ?? retries;
  switch (err.type) {
    case 'StripeAuthenticationError':
      return new TierctlError(`${target} rejected STRIPE_API_KEY (${err.statusCode ?? 401}): the key is wrong, expired or revoked${requestRef(err)}`, {
        hint: `set STRIPE_API_KEY to a valid key of the mode you verify against (sk_test_/rk_test_ or sk_live_/rk_live_); ${KEY_HINT}`,
      });
    case 'StripePermissionError':
      return new TierctlError(`STRIPE_API_KEY may not read prices and products at ${target} (${err.statusCode ?? 403}): the key lacks "Prices: read" or "Products: read"${requestRef(err)}`, {
        hint: `grant the restricted key "Prices: read" and "Products: read" in the Stripe dashboard (Developers > API keys); ${KEY_HINT}`,
      });
    case 'StripeRateLimitError':
      return new TierctlError(
        `could not ${task.doing} with ${target}: still rate limited (429) after ${made} ${made === 1 ? 'retry' : 'retries'} with backoff${err.tierctlUntilDeadline ? ', until the verification deadline' : ''}${requestRef(err)}`,
        { hint: `${task.hint}; TIERCTL_STRIPE_TIMEOUT (seconds) gives a rate-limited account more time` },
      );
    case 'StripeConnectionError': {
      const cause = err.detail?.code ?? err.detail?.message;
      return new TierctlError(`could not ${task.doing} with ${target}: ${said}${cause ? ` (${redact(cause)})` : ''}`, { hint: task.hint });
    }
    case 'StripeAPIError':
      return new TierctlError(`could not ${task.doing} with ${target}: it answered ${err.statusCode ?? 'an error'} (retried ${made} ${made === 1 ? 'time' : 'times'}): ${said}${requestRef(err)}`, {
        hint: task.hint,
      });
    default:
      // 400/404 and the like: the request itself was refused, which a conforming server should never do.
      return new TierctlError(`could not ${task.doing}: ${target} refused the price lookup (${err.statusCode ?? err.type}): ${said}${requestRef(err)}`, {
        hint: 'nothing was planned; if STRIPE_API_BASE points at a Stripe-compatible server, check that it supports GET /v1/prices with lookup_keys (and GET /v1/products/:id/features when catalog.yaml declares stripe_feature); otherwise please report this',
      });
  }
}
