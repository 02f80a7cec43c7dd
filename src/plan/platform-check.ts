import type { Diagnostic } from '../catalog/diagnostic.js';
import type { Catalog } from '../catalog/model.js';
import { closest } from '../did-you-mean.js';

/** Where each platform tier's file names its platform (tier ref -> position), from load-catalog's platformPositions. */
export type PlatformPositions = Record<string, { file: string; line: number; col: number }>;

/**
 * Platform codes the tier files name that the app's platform table lacks (storage: resolving
 * platforms through a table, which is the vocabulary then): each at its file's line, before
 * anything is written. Pure: the codes come from the store's one read of that table.
 */
export function unknownPlatformProblems(catalog: Catalog, table: { table: string; codes: readonly string[] }, where: PlatformPositions = {}): Diagnostic[] {
  const known = new Set(table.codes);
  const out: Diagnostic[] = [];
  for (const [ref, tier] of Object.entries(catalog.tiers)) {
    if (tier.platform === undefined || known.has(tier.platform)) continue;
    const near = closest(tier.platform, known);
    out.push({
      ...(where[ref] ?? { file: ref, line: 1, col: 1 }),
      message: `platform "${tier.platform}" is not in the app's platform table ${table.table}`,
      hint: near ? `did you mean "${near}"? The platforms there: ${[...known].sort().join(', ')}` : known.size ? `the platforms there: ${[...known].sort().join(', ')}; add the platform in the application first, or fix the spelling` : `${table.table} is empty: add the platform in the application first`,
    });
  }
  return out;
}
