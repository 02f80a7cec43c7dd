import { readFile, writeFile } from 'node:fs/promises';
import { TierctlError } from '../errors.js';
import { renderJson } from '../render/json.js';
import { redact } from '../secrets.js';
import { PLAN_FORMAT_VERSION } from './build-plan.js';
import { planSchema, type Plan } from './plan-schema.js';

export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  await writeFile(path, redact(renderJson(plan)), { mode: 0o644 });
}

/** Reads and checks a saved plan; a damaged or foreign file is refused before any database work. */
/** `shown`: the path as the user gave it (messages name it so), when `path` was resolved against a working directory. */
export async function readPlanFile(path: string, shown = path): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TierctlError(`cannot read plan file ${shown}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { hint: 'write one with `tierctl plan --out plan.json`' });
  }
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
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const validate = new Ajv2020({ allErrors: false, strict: false }).compile(planSchema);
  if (!validate(value)) {
    const e = validate.errors?.[0];
    throw new TierctlError(`${shown}:1:1: not a valid tierctl plan (${e?.instancePath || '/'} ${e?.message ?? ''})`, { hint: 'plan files are written by `tierctl plan --out`; do not edit them' });
  }
  return value as Plan;
}
