import { TierctlError } from '../errors.js';
import type { ValidateFunction } from 'ajv';
import { planSchema, type Change } from './plan-schema.js';

/**
 * An audit row's `changes` JSON, checked against the plan schema's `changes` before it
 * is rendered: a database row is input like any other, and a hand-edited or damaged
 * row is reported, not drawn half-way.
 */
export async function parseRunChanges(text: string, runId: number): Promise<Change[]> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TierctlError(`apply run #${runId}: its recorded changes are not valid JSON`, { hint: 'the audit row was edited or damaged outside tierctl' });
  }
  const validate = await changesValidator();
  if (!validate(value)) {
    const e = validate.errors?.[0];
    throw new TierctlError(`apply run #${runId}: its recorded changes are not a valid list of plan changes (${e?.instancePath || '/'} ${e?.message ?? ''})`, {
      hint: 'the audit row was edited or damaged outside tierctl, or written by an incompatible version',
    });
  }
  return value as Change[];
}

let compiledChanges: Promise<ValidateFunction> | undefined;

/** Compiled on first use, then kept (see planValidator in plan-file.ts). */
function changesValidator(): Promise<ValidateFunction> {
  compiledChanges ??= import('ajv/dist/2020.js').then(({ Ajv2020 }) => new Ajv2020({ allErrors: false, strict: false }).compile(planSchema.properties.changes));
  return compiledChanges;
}
