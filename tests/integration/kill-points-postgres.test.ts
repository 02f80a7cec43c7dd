import { CREATE_AND_UPDATE_CASES, describeKillPoints } from './kill-point-cases.js';

/**
 * SIGKILL of a real apply at each named pause point, on PostgreSQL: a -> b (55 -> 60 tiers:
 * creates, and every existing tier updated). A file of its own so that it runs on another
 * worker than the SQLite half (kill-points.test.ts) instead of after it. See kill-point-cases.ts.
 */
describeKillPoints(CREATE_AND_UPDATE_CASES, 'postgres');
