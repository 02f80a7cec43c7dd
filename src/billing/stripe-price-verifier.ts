import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type Stripe from 'stripe';
import { TierctlError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { checkStripeFeatures, type ListedFeature } from './check-stripe-features.js';
import { checkStripePrices, stripeKeyMode, type ListedPrice } from './check-stripe-prices.js';
import { AdaptiveLimit } from './adaptive-limit.js';
import { mapBounded } from './map-bounded.js';
import { describeStripeTarget, parseStripeApiBase } from './stripe-api-base.js';
import { IMPORT_TASK, stripeFailure, VERIFY_TASK, type StripeTask } from './stripe-errors.js';
import type { BillingKeyRef, FeatureExpectations, PriceVerifier, VerificationResult } from './verifier.js';
import { appendAll } from '../append-all.js';

/** Stripe refuses more than 10 lookup_keys in one prices.list call. */
export const MAX_LOOKUP_KEYS_PER_REQUEST = 10;

export interface StripeVerifierOptions {
  apiKey: string;
  /** e.g. http://127.0.0.1:12111: points the SDK at a Stripe-compatible server. */
  apiBase?: string | undefined;
  /** Retries of the SDK (connection errors, 5xx, Stripe-Should-Retry) and of plain 429s. */
  maxNetworkRetries?: number;
  /** Upper bound for the whole verification, retries included. */
  timeoutMs?: number;
  /** Per HTTP request. */
  requestTimeoutMs?: number;
  /** List calls in flight at once (lowered while Stripe rate-limits, see AdaptiveLimit). */
  concurrency?: number;
  /** Time and randomness for the backoff; injectable so tests never wait real seconds. */
  clock?: RetryClock;
  /**
   * Retry waits, tierctl's and the SDK's: exponential from `initialMs` to `maxMs` with jitter.
   * Production keeps the SDK's 0.5 s to 5 s; tests shrink it so retries do not cost seconds.
   */
  retryDelay?: { initialMs: number; maxMs: number };
  /** How tierctl waits between its own retries (tests record the waits instead); overrides clock.sleep. */
  sleep?: (ms: number) => Promise<void>;
}

/** The SDK's own retry curve (stripe-node: INITIAL/MAX_NETWORK_RETRY_DELAY_SEC). */
export const DEFAULT_RETRY_DELAY = { initialMs: 500, maxMs: 5000 } as const;

export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** In [0, 1): the backoff's jitter. */
  random(): number;
}

const REAL_CLOCK: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/**
 * Resolves lookup keys with the official SDK, read-only: GET /v1/prices with at most
 * 10 lookup_keys per call, products expanded, pages followed, a few calls at a time;
 * then, when catalog.yaml maps permissions to Stripe features, GET /v1/products/:id/features
 * once per distinct product (the same bound on calls in flight).
 * Never the Search API (its index lags behind writes, so a fresh price would look missing).
 */
export class StripePriceVerifier implements PriceVerifier {
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly concurrency: number;
  private readonly clock: RetryClock;
  private readonly retryDelay: { initialMs: number; maxMs: number };

  constructor(private readonly options: StripeVerifierOptions) {
    this.retries = options.maxNetworkRetries ?? 3;
    this.retryDelay = options.retryDelay ?? DEFAULT_RETRY_DELAY;
    // A timer longer than 2^31-1 ms fires at once: clamp, whoever passed the value.
    this.timeoutMs = Math.min(options.timeoutMs ?? 60_000, 2 ** 31 - 1);
    this.requestTimeoutMs = Math.min(options.requestTimeoutMs ?? 20_000, this.timeoutMs);
    this.concurrency = options.concurrency ?? 4;
    const clock = options.clock ?? REAL_CLOCK;
    this.clock = options.sleep ? { ...clock, sleep: options.sleep } : clock;
  }

  async verify(keys: readonly BillingKeyRef[], features?: FeatureExpectations): Promise<Omit<VerificationResult, 'notes'>> {
    const lookupKeys = [...new Set(keys.map((k) => k.key))];
    const batches: string[][] = [];
    for (let i = 0; i < lookupKeys.length; i += MAX_LOOKUP_KEYS_PER_REQUEST) batches.push(lookupKeys.slice(i, i + MAX_LOOKUP_KEYS_PER_REQUEST));
    return this.session(VERIFY_TASK, async (stripe, retry, stopped, bounded) => {
      const pages = await bounded(mapBounded(batches, this.concurrency, (batch) => this.listPrices(stripe, batch, retry, stopped), stopped));
      const prices = pages.flat();
      const checked = checkStripePrices(keys, prices, stripeKeyMode(this.options.apiKey));
      if (!features || Object.keys(features.owners).length === 0) return { verified: true, ...checked };
      // Feature parity: one listFeatures call per distinct live product behind a checked tier's keys.
      const products = productsToCheck(keys, prices, features);
      const lists = await bounded(mapBounded(products, this.concurrency, (id) => this.listFeatures(stripe, id, retry, stopped), stopped));
      const byProduct = new Map(products.map((id, i) => [id, lists[i] as ListedFeature[]]));
      return { verified: true, facts: checked.facts, problems: [...checked.problems, ...checkStripeFeatures(keys, checked.facts, byProduct, features)] };
    });
  }

  /**
   * Each price by its ID (GET /v1/prices/:id), for import from a table that holds price IDs
   * but no lookup keys; a few at a time, under the same retry and deadline policy. An ID
   * Stripe does not know (404 resource_missing) comes back as 'missing', not as a failure.
   */
  async retrievePrices(ids: readonly string[]): Promise<Map<string, ListedPrice | 'missing'>> {
    const distinct = [...new Set(ids)];
    return this.session(IMPORT_TASK, async (stripe, retry, stopped, bounded) => {
      const found = await bounded(
        mapBounded(distinct, this.concurrency, (id) =>
          this.withRetry(async () => {
            try {
              return toListedPrice(await stripe.prices.retrieve(id));
            } catch (err) {
              if ((err as { code?: string; statusCode?: number }).code === 'resource_missing' || (err as { statusCode?: number }).statusCode === 404) return 'missing' as const;
              throw err;
            }
          }, retry, stopped),
        stopped),
      );
      return new Map(distinct.map((id, i) => [id, found[i] as ListedPrice | 'missing']));
    });
  }

  /**
   * One conversation with Stripe: the SDK pointed at STRIPE_API_BASE with tierctl's own
   * retries, one deadline over everything `work` does (`bounded` races a step against it),
   * failures turned into errors a person can act on, sockets released at the end.
   */
  private async session<T>(
    task: StripeTask,
    work: (stripe: Stripe, retry: RetryState, stopped: () => boolean, bounded: <R>(step: Promise<R>) => Promise<R>) => Promise<T>,
  ): Promise<T> {
    const base = parseStripeApiBase(this.options.apiBase);
    const target = describeStripeTarget(base);
    const { default: StripeSdk } = await import('stripe');
    const agent = base?.protocol === 'http' ? new UnrefHttpAgent() : new UnrefHttpsAgent();
    const stripe = new StripeSdk(this.options.apiKey, {
      ...(base ?? {}),
      // Every retry is tierctl's (withRetry): one policy, one injectable clock, the deadline in view.
      maxNetworkRetries: 0,
      timeout: this.requestTimeoutMs,
      httpAgent: agent,
      telemetry: false,
      appInfo: { name: 'tierctl', version: TOOL_VERSION },
    });
    if (this.options.retryDelay) {
      // The SDK reads its retry curve through these two methods (in seconds) on every retry.
      const { initialMs, maxMs } = this.options.retryDelay;
      stripe.getInitialNetworkRetryDelay = () => initialMs / 1000;
      stripe.getMaxNetworkRetryDelay = () => maxMs / 1000;
    }

    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    // This (ref'd) timer is what keeps the process alive while requests run; the sockets are unref'd
    // (see UnrefHttpAgent), so when the deadline passes the CLI can exit instead of waiting for them.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(
          new TierctlError(`could not ${task.doing} with ${target}: no complete answer within ${Math.round(this.timeoutMs / 1000)}s`, {
            hint: task === VERIFY_TASK ? 'nothing was planned; check the network and STRIPE_API_BASE, or raise TIERCTL_STRIPE_TIMEOUT (seconds); --skip-stripe plans without verifying' : `${task.hint}, or raise TIERCTL_STRIPE_TIMEOUT (seconds)`,
          }),
        );
      }, this.timeoutMs);
    });
    // A step that lost the race must not become an unhandled rejection later.
    deadline.catch(() => undefined);
    const retry: RetryState = { deadlineAt: this.clock.now() + this.timeoutMs, limit: new AdaptiveLimit(this.concurrency) };
    try {
      return await work(stripe, retry, () => timedOut, (step) => Promise.race([step, deadline]));
    } catch (err) {
      throw stripeFailure(err, target, this.retries, task);
    } finally {
      clearTimeout(timer);
      agent.destroy();
    }
  }

  /** One batch of ≤10 keys, every page of it. */
  private async listPrices(stripe: Stripe, lookupKeys: string[], retry: RetryState, stopped: () => boolean): Promise<ListedPrice[]> {
    const out: ListedPrice[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const page = await this.withRetry(
        () =>
          stripe.prices.list({
            lookup_keys: lookupKeys,
            expand: ['data.product'],
            limit: 100,
            ...(startingAfter ? { starting_after: startingAfter } : {}),
          }),
        retry,
        stopped,
      );
      appendAll(out, page.data.map(toListedPrice));
      const last = page.data.at(-1);
      if (!page.has_more || !last || stopped()) return out;
      startingAfter = last.id;
    }
  }

  /** Every feature attached to one product (GET /v1/products/:id/features), the SDK paging. */
  private async listFeatures(stripe: Stripe, productId: string, retry: RetryState, stopped: () => boolean): Promise<ListedFeature[]> {
    return this.withRetry(async () => {
      const out: ListedFeature[] = [];
      for await (const pf of stripe.products.listFeatures(productId, { limit: 100 })) {
        const f = pf.entitlement_feature;
        out.push({ lookup_key: f.lookup_key, name: f.name, active: f.active });
        if (stopped()) break;
      }
      return out;
    }, retry, stopped);
  }

  /**
   * Retries, with jittered exponential backoff: a 429 or a Stripe-Should-Retry: true answer
   * until the verification's deadline (rate limiting passes; giving up after three tries
   * with most of the deadline left did not), 5xx and connection errors up to `retries` times,
   * Stripe-Should-Retry: false never. While rate limited, fewer requests run at once.
   */
  private async withRetry<T>(call: () => Promise<T>, retry: RetryState, stopped: () => boolean): Promise<T> {
    let transientFailures = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await retry.limit.run(call);
        retry.limit.succeeded();
        return result;
      } catch (err) {
        const e = err as { type?: string; statusCode?: number; headers?: Record<string, string | undefined> };
        const shouldRetry = e.headers?.['stripe-should-retry'];
        const rateLimited = e.type === 'StripeRateLimitError' || e.statusCode === 429;
        if (rateLimited) retry.limit.rateLimited();
        const transient = e.type === 'StripeConnectionError' || e.type === 'StripeAPIError' || (e.statusCode ?? 0) >= 500;
        const untilDeadline = shouldRetry !== 'false' && (rateLimited || shouldRetry === 'true');
        const retriable = untilDeadline || (shouldRetry !== 'false' && transient && transientFailures < this.retries);
        const delay = backoffMs(attempt, this.retryDelay, this.clock.random());
        if (!retriable || stopped() || this.clock.now() + delay >= retry.deadlineAt) {
          throw Object.assign(err as object, { tierctlRetries: attempt, tierctlUntilDeadline: untilDeadline });
        }
        if (!untilDeadline) transientFailures++;
        await this.clock.sleep(delay);
      }
    }
  }
}

interface RetryState {
  /** clock.now() past which no retry starts. */
  deadlineAt: number;
  limit: AdaptiveLimit;
}

/** Distinct, not deleted products behind the lookup keys of tiers with feature expectations, in key order. */
function productsToCheck(keys: readonly BillingKeyRef[], prices: readonly ListedPrice[], features: FeatureExpectations): string[] {
  const wanted = new Set(keys.filter((k) => features.tiers[k.tier] !== undefined).map((k) => k.key));
  const out: string[] = [];
  for (const p of prices) {
    if (p.lookup_key === null || !wanted.has(p.lookup_key)) continue;
    if (typeof p.product !== 'string' && p.product.deleted) continue;
    const id = typeof p.product === 'string' ? p.product : p.product.id;
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** Exponential backoff with jitter, by default 0.5 s to 5 s, the SDK's own curve. */
export function backoffMs(attempt: number, { initialMs, maxMs }: { initialMs: number; maxMs: number } = DEFAULT_RETRY_DELAY, random = Math.random()): number {
  const base = Math.min(initialMs * 2 ** attempt, maxMs);
  return Math.max(initialMs, base * (0.5 + random / 2));
}


function toListedPrice(p: Stripe.Price): ListedPrice {
  const product = p.product;
  return {
    id: p.id,
    lookup_key: p.lookup_key,
    active: p.active,
    livemode: p.livemode,
    currency: p.currency,
    unit_amount: p.unit_amount,
    interval: p.recurring?.interval ?? null,
    product:
      typeof product === 'string'
        ? product
        : 'deleted' in product && product.deleted
          ? { id: product.id, name: null, active: false, deleted: true }
          : { id: product.id, name: (product as Stripe.Product).name ?? null, active: (product as Stripe.Product).active, deleted: false },
  };
}

/*
 * Agents whose sockets do not keep the process alive. The SDK cannot abort a request, so
 * after the overall deadline in-flight requests (and their retries) would otherwise hold the
 * CLI open for up to (retries + 1) request timeouts after it has already reported the failure.
 */
class UnrefHttpAgent extends http.Agent {
  constructor() {
    super({ keepAlive: false });
  }
  override createConnection(...args: Parameters<http.Agent['createConnection']>): Duplex | null | undefined {
    return unref(super.createConnection(...args));
  }
}

class UnrefHttpsAgent extends https.Agent {
  constructor() {
    super({ keepAlive: false });
  }
  override createConnection(...args: Parameters<https.Agent['createConnection']>): Duplex | null | undefined {
    return unref(super.createConnection(...args));
  }
}

function unref<T>(socket: T): T {
  (socket as Partial<Socket> | null | undefined)?.unref?.();
  return socket;
}
