import type { Outcome } from '../../errors.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { choice, loadDesired } from '../shared.js';

export async function run(values: Values, _positionals: string[], io: Io): Promise<Outcome> {
  const format = choice(values['format'], ['text', 'json'] as const, 'format');
  const dir = values['dir'] as string;
  const loaded = await loadDesired(dir, io);
  const tiers = Object.values(loaded.catalog.tiers);
  const summary = {
    valid: true,
    dir,
    tiers: tiers.length,
    active: tiers.filter((t) => t.status === 'active').length,
    retired: tiers.filter((t) => t.status === 'retired').length,
    permissions: Object.keys(loaded.catalog.permissions).length,
    limits: Object.keys(loaded.limits).length,
  };
  if (format === 'json') io.out(`${JSON.stringify(summary, null, 2)}\n`);
  else io.out(`${dir}: valid: ${summary.tiers} tiers (${summary.active} active, ${summary.retired} retired), ${summary.permissions} permissions, ${summary.limits} limits\n`);
  return 'ok';
}
