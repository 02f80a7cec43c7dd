import { TierctlError } from '../errors.js';
import type { BillingKeyRef, PriceVerifier, VerificationResult } from './verifier.js';

export interface StripeVerifierOptions {
  apiKey: string;
  /** e.g. http://127.0.0.1:12111: points the SDK at a Stripe-compatible server. */
  apiBase?: string | undefined;
}

/** Placeholder until the Stripe verifier lands (issue 5): refuses to pretend keys were checked. */
export class StripePriceVerifier implements PriceVerifier {
  constructor(private readonly options: StripeVerifierOptions) {}
  async verify(_keys: readonly BillingKeyRef[]): Promise<Omit<VerificationResult, 'notes'>> {
    void this.options;
    throw new TierctlError('Stripe verification is not implemented yet', { hint: 'unset STRIPE_API_KEY or pass --skip-stripe' });
  }
}
