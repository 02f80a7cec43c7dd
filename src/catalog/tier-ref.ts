/**
 * A tier's identity is (platform, key) (DESIGN.md, "Platforms"). Everywhere a tier is named
 * by one string (the catalog's records, plans, history, drift, the runtime API, generated
 * types) it is its *ref*: `key` for a global tier, `key@platform` for a platform-scoped one.
 * Keys and platform codes cannot contain `@` (their patterns), so a ref splits back uniquely.
 */
export interface TierIdentity {
  key: string;
  /** Absent or null: a global tier. */
  platform?: string | null | undefined;
}

export function tierRef(t: TierIdentity): string {
  return t.platform ? `${t.key}@${t.platform}` : t.key;
}

export function parseTierRef(ref: string): { key: string; platform: string | null } {
  const at = ref.indexOf('@');
  return at < 0 ? { key: ref, platform: null } : { key: ref.slice(0, at), platform: ref.slice(at + 1) };
}

/** The ref of `key` on the same platform as `ref` (renamed_from stays within its platform). */
export function sameScopeRef(ref: string, key: string): string {
  return tierRef({ key, platform: parseTierRef(ref).platform });
}

/** "global" or "platform loyalty", for messages. */
export function scopeWords(platform: string | null | undefined): string {
  return platform ? `platform ${platform}` : 'global';
}
