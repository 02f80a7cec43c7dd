import { TierctlError } from '../errors.js';

export interface StripeHostOptions {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

/**
 * Turns `$STRIPE_API_BASE` (e.g. `http://127.0.0.1:12111`) into the SDK's host, port
 * and protocol options. The SDK always adds `/v1/...` itself, so a base with a path,
 * query or credentials is refused rather than silently ignored.
 */
export function parseStripeApiBase(value: string | undefined): StripeHostOptions | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const hint = 'set STRIPE_API_BASE to a scheme, host and port only, e.g. http://127.0.0.1:12111, or unset it to use api.stripe.com';
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new TierctlError(`STRIPE_API_BASE is not a URL: "${value}"`, { hint });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TierctlError(`STRIPE_API_BASE must use http or https, not ${url.protocol.replace(/:$/, '')}`, { hint });
  if (url.username || url.password) throw new TierctlError('STRIPE_API_BASE must not carry credentials; the key comes from STRIPE_API_KEY only', { hint });
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new TierctlError(`STRIPE_API_BASE must not have a path or query (got "${url.pathname}${url.search}")`, { hint });
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    // URL keeps IPv6 literals bracketed; node:http wants them bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443,
    protocol,
  };
}

/** How errors name the server: "Stripe" for the real API, the URL for anything else. */
export function describeStripeTarget(base: StripeHostOptions | undefined): string {
  if (!base) return 'Stripe (api.stripe.com)';
  const host = base.host.includes(':') ? `[${base.host}]` : base.host;
  return `the Stripe-compatible server at ${base.protocol}://${host}:${base.port}`;
}
