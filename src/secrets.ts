/**
 * Secrets registry: every secret tierctl learns (Stripe key, database password) is
 * registered here, and every byte tierctl prints or stores passes through `redact`.
 * Redacting at the output boundary catches secrets echoed back inside driver or SDK errors.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 4) return;
  secrets.add(value);
  // drivers sometimes echo the URL-encoded form
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
  // and inside JSON (plan files, audit rows) quotes and backslashes are escaped
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) secrets.add(json);
  // and in Markdown (the PR summary) punctuation is backslash-escaped
  const markdown = value.replace(/([\\`*_<>|[\]()#!~&])/g, '\\$1');
  if (markdown !== value) secrets.add(markdown);
}

// `*` too: Stripe's own errors echo a masked key ("sk_test_****wxyz") whose tail is still the key's.
// `\\_`: the same key inside Markdown, where underscores are escaped.
const STRIPE_KEY_PATTERN = /\b(sk|rk|pk)(?:\\?_)(test|live)(?:\\?_)[A-Za-z0-9*]{4,}/g;
const URL_PASSWORD_PATTERN = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/\s]+)@/gi;

/**
 * What a value in a committed file looks like if `redact` would mask it by shape: a Stripe
 * key or a URL carrying a password. Such a value would be masked in the plan file, so the
 * saved plan could never be applied, and it should not be in git anyway.
 */
export function secretShape(text: string): 'a Stripe API key' | 'a URL with a password' | undefined {
  if (STRIPE_KEY_TEST.test(text)) return 'a Stripe API key';
  if (URL_PASSWORD_TEST.test(text)) return 'a URL with a password';
  return undefined;
}

// Non-global copies for `test`: the global patterns above keep lastIndex between calls, and
// compiling fresh ones for every scalar of every tier file cost ~80 ms at 10,000 tiers.
const STRIPE_KEY_TEST = new RegExp(STRIPE_KEY_PATTERN.source);
const URL_PASSWORD_TEST = new RegExp(URL_PASSWORD_PATTERN.source, 'i');

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  out = out.replace(STRIPE_KEY_PATTERN, (_m, kind: string, mode: string) => `${kind}_${mode}_***`);
  out = out.replace(URL_PASSWORD_PATTERN, '$1:***@');
  return out;
}
