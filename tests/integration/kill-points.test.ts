import { describeKillPoints } from './kill-point-cases.js';

/**
 * SIGKILL of a real apply at each named pause point, on SQLite and PostgreSQL: a -> b
 * (55 -> 60 tiers: creates, and every existing tier updated). See kill-point-cases.ts;
 * the delete path: kill-points-deletes.test.ts; random moments: `npm run soak`.
 */
describeKillPoints([
  { point: 'before-begin', from: 'a' },
  { point: 'after-first-write', from: 'a' },
  { point: 'mid-batch', from: 'a' },
  { point: 'last-write', from: 'a' },
  { point: 'during-commit', from: 'a' },
]);
