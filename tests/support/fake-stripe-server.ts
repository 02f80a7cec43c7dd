import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small Stripe-compatible HTTP server for the parts of the API tierctl uses
 * (GET /v1/prices, GET /v1/prices/:id, GET /v1/products/:id/features; POST /v1/prices[/:id]
 * for tests that change prices as a person would), driven by the real `stripe` SDK in tests. It behaves like Stripe
 * where it matters: bearer auth (401 unknown key, 403 restricted key without the
 * read permissions), `lookup_keys[]` in the query as the SDK encodes it, at most 10
 * lookup keys (400 otherwise), limit / starting_after / has_more paging, `expand[]`,
 * test and live mode kept apart by the key's prefix, newest first. Faults (429, 5xx,
 * a hung request) can be injected, and every request is logged so tests can count calls.
 */

export interface FakeProduct {
  id: string;
  name: string;
  active: boolean;
  livemode: boolean;
  /** A deleted product: expansion returns Stripe's `{ id, object, deleted: true }` stub. */
  deleted?: boolean;
}

export interface FakePrice {
  id: string;
  lookup_key: string | null;
  product: string;
  active: boolean;
  livemode: boolean;
  currency: string;
  unit_amount: number | null;
  /** null: a one-time price. */
  interval: 'day' | 'week' | 'month' | 'year' | null;
  created: number;
}

/** A Stripe Entitlements feature (`entitlements.feature`). */
export interface FakeFeature {
  id: string;
  lookup_key: string;
  name: string;
  /** false: archived. */
  active: boolean;
  livemode: boolean;
  metadata?: Record<string, string>;
}

/** `full`: may read everything; `no-price-read`: a restricted key without "Prices: read" (403). */
export type KeyAccess = 'full' | 'no-price-read';

export type Fault = { status: 429 | 500 | 502 | 503; shouldRetry?: boolean } | { hang: true };

export interface LoggedRequest {
  method: string;
  path: string;
  lookupKeys: string[];
  expand: string[];
  startingAfter: string | undefined;
  status: number;
  /** Answered with an injected fault (or left hanging). */
  fault: boolean;
  /** Requests being answered when this one arrived, itself included. */
  inFlight: number;
}

export interface FakeStripe {
  /** e.g. http://127.0.0.1:40123, for STRIPE_API_BASE. */
  url: string;
  port: number;
  requests: LoggedRequest[];
  /** The most requests that were being answered at the same time. */
  maxInFlight: number;
  addKey(key: string, access?: KeyAccess): void;
  products: Map<string, FakeProduct>;
  prices: Map<string, FakePrice>;
  /** Features by id. */
  features: Map<string, FakeFeature>;
  /** Product id -> ids of the features attached to it, in attachment order. */
  productFeatures: Map<string, string[]>;
  /** The next requests get these answers, in order, instead of a normal one. */
  injectFaults(...faults: Fault[]): void;
  /**
   * Creates a price that takes `lookupKey` over, as POST /v1/prices with
   * `transfer_lookup_key=true` does in Stripe: the key leaves the price that had it (which
   * keeps existing, without a lookup key) and names the new one. Returns the new price.
   */
  transferLookupKey(lookupKey: string, price: Omit<FakePrice, 'lookup_key'>): FakePrice;
  close(): Promise<void>;
}

export interface FakeStripeOptions {
  /** Answer each request after this many milliseconds (makes concurrency observable). */
  latencyMs?: number;
  /** Serve at most this many items per page whatever `limit` says, to exercise paging with few prices. */
  pageSizeCap?: number;
}

const MAX_LOOKUP_KEYS = 10;

function keyMode(key: string): 'test' | 'live' | undefined {
  const m = /^(?:sk|rk)_(test|live)_[A-Za-z0-9]+$/.exec(key);
  return m ? (m[1] as 'test' | 'live') : undefined;
}

/** Stripe's own masking in error messages: prefix, stars, last four. */
function masked(key: string): string {
  const prefix = /^(?:sk|rk)_(?:test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(4, key.length - prefix.length - 4))}${key.slice(-4)}`;
}

/** Values of `name[]`, `name[0]`, `name[1]`… in index order, as Stripe reads form/query arrays. */
function arrayParam(params: URLSearchParams, name: string): string[] {
  const indexed: { i: number; order: number; value: string }[] = [];
  let order = 0;
  for (const [k, v] of params) {
    const m = new RegExp(`^${name}\\[(\\d*)\\]$`).exec(k);
    if (m) indexed.push({ i: m[1] === '' ? Number.MAX_SAFE_INTEGER : Number(m[1]), order: order++, value: v });
  }
  return indexed.sort((a, b) => a.i - b.i || a.order - b.order).map((e) => e.value);
}

export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  const keys = new Map<string, KeyAccess>();
  const products = new Map<string, FakeProduct>();
  const prices = new Map<string, FakePrice>();
  const features = new Map<string, FakeFeature>();
  const productFeatures = new Map<string, string[]>();
  const faults: Fault[] = [];
  const requests: LoggedRequest[] = [];
  const hung: ServerResponse[] = [];
  let inFlight = 0;
  let requestCounter = 0;
  const state = { maxInFlight: 0 };

  const productJson = (id: string) => {
    const p = products.get(id);
    if (!p) return id;
    if (p.deleted) return { id: p.id, object: 'product', deleted: true };
    return { id: p.id, object: 'product', active: p.active, created: 1_700_000_000, description: null, livemode: p.livemode, metadata: {}, name: p.name, type: 'service', updated: 1_700_000_000 };
  };
  const priceJson = (p: FakePrice, expandProduct: boolean) => ({
    id: p.id,
    object: 'price',
    active: p.active,
    billing_scheme: 'per_unit',
    created: p.created,
    currency: p.currency,
    custom_unit_amount: null,
    livemode: p.livemode,
    lookup_key: p.lookup_key,
    metadata: {},
    nickname: null,
    product: expandProduct ? productJson(p.product) : p.product,
    recurring: p.interval ? { interval: p.interval, interval_count: 1, meter: null, usage_type: 'licensed' } : null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: p.interval ? 'recurring' : 'one_time',
    unit_amount: p.unit_amount,
    unit_amount_decimal: p.unit_amount === null ? null : String(p.unit_amount),
  });

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const params = new URLSearchParams(url.search);
    if (body && /x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
    const entry: LoggedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      lookupKeys: arrayParam(params, 'lookup_keys'),
      expand: arrayParam(params, 'expand'),
      startingAfter: params.get('starting_after') ?? undefined,
      status: 0,
      fault: false,
      inFlight,
    };
    requests.push(entry);
    const requestId = `req_fake${++requestCounter}`;
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      const text = JSON.stringify(json);
      const finish = () => {
        inFlight--;
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, 'content-length': Buffer.byteLength(text), ...headers });
        res.end(text);
      };
      if (options.latencyMs) setTimeout(finish, options.latencyMs);
      else finish();
    };
    const error = (status: number, type: string, message: string, extra: Record<string, string> = {}) => send(status, { error: { type, message, ...extra } });

    const fault = faults.shift();
    if (fault) {
      entry.fault = true;
      if ('hang' in fault) {
        entry.status = -1;
        hung.push(res);
        return;
      }
      const headers: Record<string, string> = fault.shouldRetry === undefined ? {} : { 'stripe-should-retry': String(fault.shouldRetry) };
      if (fault.status === 429) {
        send(429, { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.' } }, headers);
      } else {
        send(fault.status, { error: { type: 'api_error', message: 'An unknown error occurred' } }, headers);
      }
      return;
    }

    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!auth) return error(401, 'invalid_request_error', 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth.');
    const apiKey = auth[1] as string;
    const access = keys.get(apiKey);
    const mode = keyMode(apiKey);
    if (!access || !mode) return error(401, 'invalid_request_error', `Invalid API Key provided: ${masked(apiKey)}`);

    const featuresPath = /^\/v1\/products\/([^/]+)\/features$/.exec(url.pathname);
    if (req.method === 'GET' && featuresPath) return listProductFeatures(decodeURIComponent(featuresPath[1] as string), mode, params, entry, send, error);
    const pricePath = /^\/v1\/prices\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && pricePath) {
      if (access === 'no-price-read') return error(403, 'invalid_request_error', `The provided key '${masked(apiKey)}' does not have the required permissions for this endpoint on account 'acct_fake'. Having the 'rak_price_read' permission would allow this request to continue.`);
      return retrievePrice(decodeURIComponent(pricePath[1] as string), mode, send, error);
    }
    // Writes (tierctl never makes them; tests do, through the SDK, as a person would in Stripe).
    if (req.method === 'POST' && (url.pathname === '/v1/prices' || pricePath)) return writePrice(pricePath ? decodeURIComponent(pricePath[1] as string) : null, mode, params, send, error);
    if (req.method !== 'GET' || url.pathname !== '/v1/prices') return error(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${url.pathname}).`);
    if (access === 'no-price-read') {
      return error(
        403,
        'invalid_request_error',
        `The provided key '${masked(apiKey)}' does not have the required permissions for this endpoint on account 'acct_fake'. Having the 'rak_price_read' permission would allow this request to continue.`,
      );
    }

    const lookupKeys = entry.lookupKeys;
    if (lookupKeys.length > MAX_LOOKUP_KEYS) return error(400, 'invalid_request_error', `Invalid array: lookup_keys must have at most ${MAX_LOOKUP_KEYS} elements`, { param: 'lookup_keys' });
    const limitText = params.get('limit');
    const limit = limitText === null ? 10 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return error(400, 'invalid_request_error', 'Invalid integer: limit must be between 1 and 100', { param: 'limit' });
    const unknownExpand = entry.expand.find((e) => e !== 'data.product');
    if (unknownExpand) return error(400, 'invalid_request_error', `This property cannot be expanded (${unknownExpand}).`, { param: 'expand' });

    const wanted = lookupKeys.length ? new Set(lookupKeys) : undefined;
    const visible = [...prices.values()]
      .filter((p) => p.livemode === (mode === 'live') && (!wanted || (p.lookup_key !== null && wanted.has(p.lookup_key))))
      .sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
    let start = 0;
    if (entry.startingAfter) {
      const i = visible.findIndex((p) => p.id === entry.startingAfter);
      if (i < 0) return error(400, 'invalid_request_error', `No such price: '${entry.startingAfter}'`, { param: 'starting_after' });
      start = i + 1;
    }
    const size = Math.min(limit, options.pageSizeCap ?? limit);
    const page = visible.slice(start, start + size);
    send(200, { object: 'list', url: '/v1/prices', has_more: start + size < visible.length, data: page.map((p) => priceJson(p, entry.expand.includes('data.product'))) });
  }

  /**
   * GET /v1/prices/:id as Stripe answers it: the price (product not expanded), or, for an
   * unknown id or a price of the other mode, 404 with Stripe's `resource_missing` error.
   */
  function retrievePrice(id: string, mode: 'test' | 'live', send: (status: number, json: unknown) => void, error: (status: number, type: string, message: string, extra?: Record<string, string>) => void): void {
    const p = prices.get(id);
    if (!p || p.livemode !== (mode === 'live')) return error(404, 'invalid_request_error', `No such price: '${id}'`, { code: 'resource_missing', doc_url: 'https://stripe.com/docs/error-codes/resource-missing', param: 'id' });
    send(200, priceJson(p, false));
  }

  /**
   * POST /v1/prices (create) and POST /v1/prices/:id (update), for the fields tests need:
   * product, currency, unit_amount, recurring[interval], lookup_key, transfer_lookup_key.
   * A lookup key another price holds is refused unless transfer_lookup_key=true, which moves it.
   */
  function writePrice(id: string | null, mode: 'test' | 'live', params: URLSearchParams, send: (status: number, json: unknown) => void, error: (status: number, type: string, message: string, extra?: Record<string, string>) => void): void {
    const livemode = mode === 'live';
    const existing = id === null ? undefined : prices.get(id);
    if (id !== null && (!existing || existing.livemode !== livemode)) return error(404, 'invalid_request_error', `No such price: '${id}'`, { code: 'resource_missing', param: 'id' });
    const lookupKey = params.has('lookup_key') ? params.get('lookup_key') || null : (existing?.lookup_key ?? null);
    const holder = lookupKey === null ? undefined : [...prices.values()].find((p) => p.lookup_key === lookupKey && p.livemode === livemode && p.id !== id);
    if (holder && params.get('transfer_lookup_key') !== 'true') {
      return error(400, 'invalid_request_error', `A price (\`${holder.id}\`) already uses that lookup key.`, { param: 'lookup_key' });
    }
    if (holder) holder.lookup_key = null;
    let price: FakePrice;
    if (existing) {
      price = existing;
      price.lookup_key = lookupKey;
      if (params.has('active')) price.active = params.get('active') === 'true';
    } else {
      const product = params.get('product');
      if (!product || !products.has(product)) return error(400, 'invalid_request_error', `No such product: '${product ?? ''}'`, { code: 'resource_missing', param: 'product' });
      const interval = params.get('recurring[interval]') as FakePrice['interval'];
      price = { id: `price_fake${++requestCounter}`, lookup_key: lookupKey, product, active: true, livemode, currency: params.get('currency') ?? 'eur', unit_amount: Number(params.get('unit_amount') ?? 0), interval: interval ?? null, created: Math.floor(Date.now() / 1000) };
      prices.set(price.id, price);
    }
    send(200, priceJson(price, false));
  }

  /**
   * GET /v1/products/:id/features as Stripe documents it: a list of `product_feature` objects,
   * each with its `entitlement_feature`, paged by limit / starting_after; an unknown, deleted or
   * other-mode product is a 404 `resource_missing`.
   */
  function listProductFeatures(
    productId: string,
    mode: 'test' | 'live',
    params: URLSearchParams,
    entry: LoggedRequest,
    send: (status: number, json: unknown) => void,
    error: (status: number, type: string, message: string, extra?: Record<string, string>) => void,
  ): void {
    const product = products.get(productId);
    if (!product || product.deleted || product.livemode !== (mode === 'live')) return error(404, 'invalid_request_error', `No such product: '${productId}'`, { code: 'resource_missing', param: 'id' });
    const limitText = params.get('limit');
    const limit = limitText === null ? 10 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return error(400, 'invalid_request_error', 'Invalid integer: limit must be between 1 and 100', { param: 'limit' });
    const attached = (productFeatures.get(productId) ?? []).flatMap((id) => {
      const f = features.get(id);
      return f ? [{ id: `prodft_${productId}_${f.id}`, feature: f }] : [];
    });
    let start = 0;
    if (entry.startingAfter) {
      const i = attached.findIndex((a) => a.id === entry.startingAfter);
      if (i < 0) return error(400, 'invalid_request_error', `No such product_feature: '${entry.startingAfter}'`, { param: 'starting_after' });
      start = i + 1;
    }
    const size = Math.min(limit, options.pageSizeCap ?? limit);
    const page = attached.slice(start, start + size);
    send(200, {
      object: 'list',
      url: `/v1/products/${productId}/features`,
      has_more: start + size < attached.length,
      data: page.map((a) => ({
        id: a.id,
        object: 'product_feature',
        entitlement_feature: { id: a.feature.id, object: 'entitlements.feature', active: a.feature.active, livemode: a.feature.livemode, lookup_key: a.feature.lookup_key, metadata: a.feature.metadata ?? {}, name: a.feature.name },
        livemode: product.livemode,
      })),
    });
  }

  const server = createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    addKey: (key, access = 'full') => void keys.set(key, access),
    products,
    prices,
    features,
    productFeatures,
    injectFaults: (...f) => void faults.push(...f),
    transferLookupKey: (lookupKey, price) => {
      for (const p of prices.values()) if (p.lookup_key === lookupKey && p.livemode === price.livemode) p.lookup_key = null;
      const created: FakePrice = { ...price, lookup_key: lookupKey };
      prices.set(created.id, created);
      return created;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
