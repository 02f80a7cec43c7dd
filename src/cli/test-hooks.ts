import { existsSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TierctlError } from '../errors.js';
import { PAUSE_POINTS, type PausePoint, type WriteHooks } from '../store/tier-store.js';

/** A pause nobody resumes (the test died) ends the run after this long instead of hanging. */
const DEFAULT_PAUSE_MAX_MS = 120_000;
const POLL_MS = 5;

/**
 * Fault injection for the test suite only, driven by environment variables so the real
 * process (or `main` in the test process, through its Io's env) can be made to fail, slow
 * down, or stop at a named point of an apply:
 *
 * - TIERCTL_TEST_FAIL_AT_STATEMENT=N: write statement N throws (the transaction rolls back).
 * - TIERCTL_TEST_STATEMENT_DELAY_MS=ms: sleep before every write statement (the random-kill soak).
 * - TIERCTL_TEST_PAUSE_DIR=dir: at every pause point reached, create `dir/<point>.<tag>`
 *   (tag: TIERCTL_TEST_PAUSE_TAG, else the pid), so a test knows where the apply is.
 * - TIERCTL_TEST_PAUSE_AT=point: at that point, after signalling, wait until `dir/resume`
 *   exists. A test kills the process there, or holds the lock and later resumes it.
 *   Points: before-begin, after-first-write, mid-batch, last-write, during-commit.
 */
export function faultHooks(env: NodeJS.ProcessEnv): WriteHooks {
  const failAt = Number(env['TIERCTL_TEST_FAIL_AT_STATEMENT'] ?? 0);
  const delayMs = Number(env['TIERCTL_TEST_STATEMENT_DELAY_MS'] ?? 0);
  const pauseDir = env['TIERCTL_TEST_PAUSE_DIR'];
  const pauseAt = env['TIERCTL_TEST_PAUSE_AT'];
  const hooks: WriteHooks = {};
  if (failAt || delayMs) {
    hooks.beforeStatement = async (n) => {
      if (delayMs) await sleep(delayMs);
      if (failAt && n === failAt) throw new TierctlError(`injected fault at write statement ${n}`);
    };
  }
  if (pauseAt !== undefined || pauseDir !== undefined) {
    // A typo in a test's pause point must fail that test, not let the apply run through.
    if (!pauseDir) throw new TierctlError('TIERCTL_TEST_PAUSE_AT needs TIERCTL_TEST_PAUSE_DIR (where to signal)');
    if (pauseAt !== undefined && !(PAUSE_POINTS as readonly string[]).includes(pauseAt)) {
      throw new TierctlError(`TIERCTL_TEST_PAUSE_AT: unknown pause point "${pauseAt}"`, { hint: `one of ${PAUSE_POINTS.join(', ')}` });
    }
    const tag = env['TIERCTL_TEST_PAUSE_TAG'] || String(process.pid);
    const maxMs = Number(env['TIERCTL_TEST_PAUSE_MAX_MS'] ?? DEFAULT_PAUSE_MAX_MS);
    const reached = new Set<PausePoint>();
    hooks.at = async (point) => {
      // Each point signals (and pauses) once per apply: "mid-batch" is the first such moment.
      if (reached.has(point)) return;
      reached.add(point);
      // Let a just-sent COMMIT leave the process before the test is told it may kill.
      if (point === 'during-commit') await new Promise((r) => setImmediate(r));
      signal(path.join(pauseDir, `${point}.${tag}`));
      if (point !== pauseAt) return;
      const resume = path.join(pauseDir, 'resume');
      const deadline = Date.now() + maxMs;
      while (!existsSync(resume)) {
        if (Date.now() > deadline) throw new TierctlError(`test pause at ${point} was never resumed (TIERCTL_TEST_PAUSE_MAX_MS)`);
        await sleep(POLL_MS);
      }
    };
  }
  return hooks;
}

/** Written then renamed, so a watcher never sees the marker before it is complete. */
function signal(file: string): void {
  writeFileSync(`${file}.tmp`, `${process.pid}\n`);
  renameSync(`${file}.tmp`, file);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
