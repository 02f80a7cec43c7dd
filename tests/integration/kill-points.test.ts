import { CREATE_AND_UPDATE_CASES, describeKillPoints } from './kill-point-cases.js';

/**
 * SIGKILL of a real apply at each named pause point, on SQLite: a -> b (55 -> 60 tiers:
 * creates, and every existing tier updated). See kill-point-cases.ts; the same on
 * PostgreSQL: kill-points-postgres.test.ts; the delete path: kill-points-deletes.test.ts;
 * random moments: `npm run soak`.
 */
describeKillPoints(CREATE_AND_UPDATE_CASES, 'sqlite');
