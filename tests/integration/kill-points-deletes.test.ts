import { describeKillPoints } from './kill-point-cases.js';

/**
 * SIGKILL of a real apply at pause points of the delete path, on SQLite and PostgreSQL:
 * b -> a (60 -> 55 tiers: 5 deleted, the rest updated). See kill-point-cases.ts.
 */
describeKillPoints([
  { point: 'after-first-write', from: 'b' },
  { point: 'mid-batch', from: 'b' },
  { point: 'last-write', from: 'b' },
]);
