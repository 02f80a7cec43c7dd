// Synthetic tier catalogs for the benchmark and the fault tests: plain ESM so
// `npm run bench` runs it with node directly; synthetic-catalog.d.mts types it for tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PERMISSION_COUNT = 60;
export const LIMIT_COUNT = 8;
const PERMISSIONS_PER_TIER = 10;
const LIMITS_PER_TIER = 5;

const permissionName = (i) => `feature_${String(i).padStart(3, '0')}.use`;
const limitName = (i) => `limit_${i}`;

/** `t0000042`-style keys sort like their numbers and match ^[a-z][a-z0-9_]{1,31}$. */
export const tierKey = (i) => `t${String(i).padStart(7, '0')}`;

export function catalogYaml() {
  const lines = ['permissions:'];
  for (let i = 0; i < PERMISSION_COUNT; i++) lines.push(`  ${permissionName(i)}: Use feature ${i}`);
  lines.push('limits:');
  for (let i = 0; i < LIMIT_COUNT; i++) lines.push(`  ${limitName(i)}: { description: Limit number ${i} }`);
  return `${lines.join('\n')}\n`;
}

/**
 * One tier file. `revision` changes the name and one limit, so a catalog written with
 * `updated` tiers at revision 1 plans exactly that many updates against revision 0.
 */
export function tierYaml(i, revision = 0) {
  const key = tierKey(i);
  const perms = Array.from({ length: PERMISSIONS_PER_TIER }, (_, k) => permissionName((i * 7 + k * 5) % PERMISSION_COUNT));
  const limits = Array.from({ length: LIMITS_PER_TIER }, (_, k) => `${limitName((i + k) % LIMIT_COUNT)}: ${k === 0 ? 'null' : (i % 1000) * 10 + k + revision}`);
  return [
    `key: ${key}`,
    `name: Tier ${i}${revision ? ` (rev ${revision})` : ''}`,
    `description: Synthetic tier number ${i}, generated for the benchmark.`,
    `customer_facing: ${i % 3 !== 0}`,
    `display_order: ${i}`,
    'billing:',
    '  provider: stripe',
    `  lookup_keys: [${key}_monthly, ${key}_yearly]`,
    `  fallback_price: "$${(i % 500) + 1}/mo"`,
    `limits: { ${limits.join(', ')} }`,
    `permissions: [${[...new Set(perms)].join(', ')}]`,
    '',
  ].join('\n');
}

/**
 * Writes catalog.yaml and `count` tier files into `dir` (created if missing).
 * Every `updateEvery`-th tier (0 = none) is written at revision 1.
 */
export function writeSyntheticCatalog(dir, count, { updateEvery = 0 } = {}) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'catalog.yaml'), catalogYaml());
  for (let i = 0; i < count; i++) {
    const revision = updateEvery && i % updateEvery === 0 ? 1 : 0;
    writeFileSync(path.join(dir, `${tierKey(i)}.yaml`), tierYaml(i, revision));
  }
}

/**
 * The same catalog shape in BatchTrack's own tables (examples/batchtrack: catalog.yaml with
 * its storage:, one lookup key per tier, the users limit as a column, grants in the app's
 * join table), for the mapped-storage rows of the benchmark.
 */
export function writeMappedCatalog(dir, count, exampleCatalog, { updateEvery = 0 } = {}) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'catalog.yaml'), exampleCatalog);
  const perms = ['batches.create', 'batches.view', 'inventory.edit', 'inventory.view', 'org.manage_users', 'reports.export'];
  for (let i = 0; i < count; i++) {
    const revision = updateEvery && i % updateEvery === 0 ? 1 : 0;
    const key = tierKey(i);
    writeFileSync(path.join(dir, `${key}.yaml`), [
      `key: ${key}`,
      `name: Tier ${i}${revision ? ' (rev 1)' : ''}`,
      `description: Synthetic tier number ${i}, generated for the benchmark.`,
      `customer_facing: ${i % 3 !== 0}`,
      'billing:',
      '  provider: stripe',
      `  lookup_keys: [${key}_monthly]`,
      `  fallback_price: "$${(i % 500) + 1}/mo"`,
      `limits: { users: ${(i % 100) + 1 + revision} }`,
      `permissions: [${perms.filter((_, k) => (i + k) % 2 === 0).join(', ')}]`,
      '',
    ].join('\n'));
  }
}
