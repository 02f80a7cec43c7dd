import { constants } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { TierctlError } from '../errors.js';
import { renderJson } from '../render/json.js';
import { redact } from '../secrets.js';
import { PLAN_FORMAT_VERSION } from './build-plan.js';
import type { ValidateFunction } from 'ajv';
import { planSchema, type Plan } from './plan-schema.js';

export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  await writeFile(path, redact(renderJson(plan)), { mode: 0o644 });
}

/** The largest plan file apply reads: 10,000 tiers plan to ~15 MB; anything far beyond is not a plan. */
export const PLAN_FILE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * A plan file's text. It is untrusted input: only a regular file, at most
 * PLAN_FILE_MAX_BYTES. Opened non-blocking, so a FIFO or a device is refused at once
 * instead of hanging on open or streaming for ever.
 */
async function readPlanText(path: string, shown: string): Promise<string> {
  const fail = (what: string) => new TierctlError(`cannot read plan file ${shown}: ${what}`, { hint: 'pass the file written by `tierctl plan --out plan.json`' });
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw fail((err as NodeJS.ErrnoException).code ?? String(err));
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw fail(info.isDirectory() ? 'it is a directory' : 'it is not a regular file (a pipe, socket or device)');
    if (info.size > PLAN_FILE_MAX_BYTES) throw fail(`it is ${info.size} bytes, over the ${PLAN_FILE_MAX_BYTES / 1024 / 1024} MiB limit for plan files`);
    // Read at most one byte past the limit: the file may grow between stat and read.
    const buffer = Buffer.alloc(Math.min(info.size, PLAN_FILE_MAX_BYTES) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > PLAN_FILE_MAX_BYTES) throw fail(`it is over the ${PLAN_FILE_MAX_BYTES / 1024 / 1024} MiB limit for plan files`);
    return buffer.subarray(0, length).toString('utf8');
  } catch (err) {
    if (err instanceof TierctlError) throw err;
    throw fail((err as NodeJS.ErrnoException).code ?? String(err));
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Reads and checks a saved plan; a damaged or foreign file is refused before any database work. */
/** `shown`: the path as the user gave it (messages name it so), when `path` was resolved against a working directory. */
export async function readPlanFile(path: string, shown = path): Promise<Plan> {
  const text = await readPlanText(path, shown);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec(String((err as Error).message));
    const offset = m ? Number(m[1]) : 0;
    const before = text.slice(0, offset).split('\n');
    throw new TierctlError(`${shown}:${before.length}:${(before.at(-1)?.length ?? 0) + 1}: not valid JSON`, { hint: 'plan files are written by `tierctl plan --out`; do not edit them' });
  }
  const version = (value as { format_version?: unknown } | null)?.format_version;
  if (version !== PLAN_FORMAT_VERSION) {
    throw new TierctlError(`${shown}:1:1: plan format version ${JSON.stringify(version)} is not supported (expected ${PLAN_FORMAT_VERSION})`, { hint: 'make the plan with the same tierctl version that applies it' });
  }
  const validate = await planValidator();
  if (!validate(value)) {
    const e = validate.errors?.[0];
    throw new TierctlError(`${shown}:1:1: not a valid tierctl plan (${e?.instancePath || '/'} ${e?.message ?? ''})`, { hint: 'plan files are written by `tierctl plan --out`; do not edit them' });
  }
  return value as Plan;
}

let compiledPlan: Promise<ValidateFunction> | undefined;

/**
 * The plan schema's validator, compiled on first use (ajv and the compile, ~100 ms, only
 * for commands that read a plan file) and then kept: the schema never changes in a process,
 * and a process that reads many plans (the in-process test suite) compiles it once.
 */
function planValidator(): Promise<ValidateFunction> {
  compiledPlan ??= import('ajv/dist/2020.js').then(({ Ajv2020 }) => new Ajv2020({ allErrors: false, strict: false }).compile(planSchema));
  return compiledPlan;
}
