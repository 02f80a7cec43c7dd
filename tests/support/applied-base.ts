import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { workdirWithTiers } from './cli.js';
import type { Backend, TestDatabase } from './databases.js';
import { runMain } from './run-main.js';

/**
 * One applied database per describe block and backend: the reference catalog (tiers/) is
 * migrated and applied once, in beforeAll, and each test gets its own copy (PostgreSQL:
 * CREATE DATABASE … TEMPLATE; SQLite: a copy of the file) instead of migrating and
 * applying from empty every time. The copy is the database the same apply would have
 * left, byte for byte; tests that are about that first apply start from `backend.create()`.
 * Call inside the (skipIf) describe, so a skipped backend sets nothing up.
 */
export function appliedReference(backend: Backend): { clone(): Promise<TestDatabase> } {
  let template: TestDatabase | undefined;
  beforeAll(async () => {
    template = await backend.create();
    const work = workdirWithTiers();
    try {
      const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', template.url], { cwd: work });
      expect(r.code, r.stderr).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await template?.drop();
  });
  return {
    clone() {
      if (!template) throw new Error('appliedReference: clone() before its beforeAll ran (call it inside the describe block, use it in tests or beforeEach)');
      return template.clone();
    },
  };
}
