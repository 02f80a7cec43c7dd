import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic } from './diagnostic.js';
import { closest } from '../did-you-mean.js';
import { locate, pointer, type ParsedYaml } from './parse-yaml.js';
import {
  MAX_LIMIT_VALUE,
  NAME_PATTERN,
  PLATFORM_CODE_PATTERN,
  SQL_COLUMN_PATTERN,
  SQL_IDENTIFIER_PATTERN,
  STRIPE_FEATURE_KEY_PATTERN,
  STRIPE_LOOKUP_KEY_PATTERN,
  TIER_KEY_PATTERN,
  WHOP_PRODUCT_KEY_PATTERN,
  catalogSchema,
  tierSchema,
} from './schemas.js';

/** What each pattern means, so an error says what is expected instead of a regex. */
const PATTERN_MEANING: Record<string, string> = {
  [TIER_KEY_PATTERN]: 'a tier key: 2-32 lowercase letters, digits or _, starting with a letter',
  [NAME_PATTERN]: 'a name: up to 64 lowercase letters, digits, _ . : or -, starting with a letter',
  [STRIPE_LOOKUP_KEY_PATTERN]: 'a Stripe lookup key: 1-200 printable characters without spaces',
  [STRIPE_FEATURE_KEY_PATTERN]: 'a Stripe feature lookup key: 1-80 printable characters without spaces',
  [WHOP_PRODUCT_KEY_PATTERN]: 'a Whop product key such as prod_AbC123',
  [SQL_IDENTIFIER_PATTERN]: 'a plain SQL identifier (letters, digits, _), optionally schema.table',
  [SQL_COLUMN_PATTERN]: 'a plain SQL column name (letters, digits, _)',
  [PLATFORM_CODE_PATTERN]: 'a platform code: 1-32 lowercase letters, digits, _ or -, starting with a letter',
};

let compiled: { tier: ValidateFunction; catalog: ValidateFunction } | undefined;

function validators() {
  if (!compiled) {
    // validateSchema: false skips compiling the draft 2020-12 meta-schema on every start
    // (~50 ms of the 300 ms budget); tests/unit/schemas.test.ts checks our schemas once.
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true, validateSchema: false });
    compiled = { tier: ajv.compile(tierSchema), catalog: ajv.compile(catalogSchema) };
  }
  return compiled;
}

/**
 * Schema problems of a file, and which top-level fields hold them: the rules can still
 * check every other field, so one typo does not hide the rest of the file's problems.
 */
export interface ShapeCheck {
  diagnostics: Diagnostic[];
  invalidFields: Set<string>;
}

export function validateTierShape(parsed: ParsedYaml): Diagnostic[] {
  return run(validators().tier, parsed).diagnostics;
}

export function validateCatalogShape(parsed: ParsedYaml): Diagnostic[] {
  return run(validators().catalog, parsed).diagnostics;
}

export function checkTierShape(parsed: ParsedYaml): ShapeCheck {
  return run(validators().tier, parsed);
}

export function checkCatalogShape(parsed: ParsedYaml): ShapeCheck {
  return run(validators().catalog, parsed);
}

/** The top-level fields of a file without their schema problems (unknown fields dropped). */
export function validFields(value: Record<string, unknown>, check: ShapeCheck, known: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of known) {
    if (Object.prototype.hasOwnProperty.call(value, field) && !check.invalidFields.has(field)) out[field] = value[field];
  }
  return out;
}

function run(validate: ValidateFunction, parsed: ParsedYaml): ShapeCheck {
  if (validate(parsed.value)) return { diagnostics: [], invalidFields: new Set() };
  const errors = validate.errors ?? [];
  const invalidFields = new Set<string>();
  for (const e of errors) {
    // Errors at the root (unknown or missing fields) leave the fields that are there intact.
    const top = e.instancePath.split('/')[1];
    if (top !== undefined) invalidFields.add(top.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  // anyOf reports each failed branch too; the anyOf message alone is the useful one, except
  // for a mapping written where an object branch exists (a permission's `{ description,
  // stripe_feature }` form): then that branch's own errors (unknown field, missing
  // description) say what is wrong, and the anyOf and its type mismatches are dropped.
  const anyOfErrors = errors.filter((e) => e.keyword === 'anyOf');
  const objectBranch = new Set(anyOfErrors.filter((e) => hasObjectBranch(e) && isMapping(valueAt(parsed.value, e.instancePath))).map((e) => e.instancePath));
  const anyOfPaths = new Set(anyOfErrors.map((e) => e.instancePath));
  // A mapping that carries the required key of exactly one object branch ({stripe: ...},
  // {limit: ...}) was meant as that branch: only its errors are reported, not every other branch's.
  const chosen = chosenBranches(anyOfErrors, parsed.value);
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of errors) {
    const branch = chosen.find((c) => e.instancePath === c.instancePath || e.instancePath.startsWith(`${c.instancePath}/`));
    if (branch && (e.keyword === 'if' || !e.schemaPath.startsWith(branch.schemaPrefix))) continue;
    if (objectBranch.has(e.instancePath)) {
      if (e.keyword === 'anyOf' || e.keyword === 'type') continue;
    } else if (e.keyword !== 'anyOf' && anyOfPaths.has(e.instancePath)) continue;
    if (e.keyword === 'propertyNames') continue; // its nested pattern error says it better
    const d = toDiagnostic(e, parsed);
    const id = `${d.line}:${d.col}:${d.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(d);
    }
  }
  return { diagnostics: out, invalidFields };
}

function fieldName(instancePath: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  return parts.length ? parts.map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.') : 'file';
}

function toDiagnostic(e: ErrorObject, parsed: ParsedYaml): Diagnostic {
  const base = { file: parsed.file };
  const field = fieldName(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = String(params['additionalProperty']);
      const ptr = `${e.instancePath}${pointer([prop])}`;
      const allowed = allowedFields(e);
      const suggestion = allowed ? closest(prop, allowed) : undefined;
      return {
        ...base,
        ...locate(parsed, ptr, true),
        message: `unknown field "${prop}"${field === 'file' ? '' : ` in ${field}`}`,
        hint: suggestion ? `did you mean "${suggestion}"?` : allowed ? `allowed fields: ${allowed.join(', ')}` : 'remove it',
      };
    }
    case 'false schema':
      // A field one form of an object allows and this one does not ({stripe: product} has no interval).
      return { ...base, ...locate(parsed, e.instancePath, true), message: `${field} is not allowed here`, hint: 'remove it' };
    case 'required':
      return {
        ...base,
        ...locate(parsed, e.instancePath),
        message: `missing required field "${String(params['missingProperty'])}"${field === 'file' ? '' : ` in ${field}`}`,
      };
    case 'pattern': {
      const propertyName = params['propertyName'] ?? (e as { propertyName?: string }).propertyName;
      const meaning = PATTERN_MEANING[String(params['pattern'])] ?? 'text without control characters';
      if (propertyName !== undefined) {
        return { ...base, ...locate(parsed, `${e.instancePath}${pointer([String(propertyName)])}`, true), message: `${JSON.stringify(propertyName)} in ${field} is not ${meaning}` };
      }
      const value = valueAt(parsed.value, e.instancePath);
      const shown = typeof value === 'string' && value.length <= 80 ? JSON.stringify(value) : 'value';
      return { ...base, ...locate(parsed, e.instancePath), message: `${field}: ${shown} is not ${meaning}` };
    }
    case 'type':
      return { ...base, ...locate(parsed, e.instancePath), message: `${field} must be ${article(String(params['type']))}` };
    case 'enum':
      return { ...base, ...locate(parsed, e.instancePath), message: `${field} must be one of: ${(params['allowedValues'] as unknown[]).join(', ')}` };
    case 'anyOf': {
      if (hasObjectBranch(e)) return { ...base, ...locate(parsed, e.instancePath), message: `${field} must be a description, or { description, stripe_feature }` };
      const value = valueAt(parsed.value, e.instancePath);
      if (typeof value === 'number' && Number.isInteger(value) && value > MAX_LIMIT_VALUE) {
        return {
          ...base,
          ...locate(parsed, e.instancePath),
          message: `${field} is larger than ${MAX_LIMIT_VALUE} (2^53 - 1), the largest limit tierctl stores`,
          hint: 'use null for unlimited, or a smaller number (a limit in bytes fits up to 8 PiB)',
        };
      }
      return { ...base, ...locate(parsed, e.instancePath), message: `${field} must be a whole number from 0 up, or null for unlimited` };
    }
    case 'uniqueItems':
      return { ...base, ...locate(parsed, `${e.instancePath}/${String(params['i'])}`), message: `${field} lists the same item twice (items ${String(params['j'])} and ${String(params['i'])})` };
    case 'minItems':
      return { ...base, ...locate(parsed, e.instancePath), message: `${field} must list at least ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}` };
    case 'minLength':
      return { ...base, ...locate(parsed, e.instancePath), message: `${field} must not be empty` };
    case 'maxLength':
      return { ...base, ...locate(parsed, e.instancePath), message: `${field} is longer than ${String(params['limit'])} characters` };
    case 'minimum':
    case 'maximum':
      return { ...base, ...locate(parsed, e.instancePath), message: `${field} ${e.message ?? 'is out of range'}` };
    default:
      return { ...base, ...locate(parsed, e.instancePath), message: `${field} ${e.message ?? 'is invalid'}` };
  }
}

function chosenBranches(anyOfErrors: readonly ErrorObject[], root: unknown): { instancePath: string; schemaPrefix: string }[] {
  const out: { instancePath: string; schemaPrefix: string }[] = [];
  for (const a of anyOfErrors) {
    const value = valueAt(root, a.instancePath);
    if (!isMapping(value) || !Array.isArray(a.schema)) continue;
    const matches = (a.schema as { type?: unknown; required?: string[] }[]).flatMap((b, i) =>
      b.type === 'object' && b.required?.length && b.required.every((k) => Object.prototype.hasOwnProperty.call(value, k)) ? [i] : [],
    );
    if (matches.length === 1) out.push({ instancePath: a.instancePath, schemaPrefix: `${a.schemaPath}/${matches[0] as number}/` });
  }
  return out;
}

function hasObjectBranch(e: ErrorObject): boolean {
  return Array.isArray(e.schema) && (e.schema as { type?: unknown }[]).some((b) => b.type === 'object');
}

function isMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function article(type: string): string {
  const t = type.replace(',', ' or ');
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function valueAt(root: unknown, ptr: string): unknown {
  let cur: unknown = root;
  for (const raw of ptr.split('/').filter(Boolean)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur && typeof cur === 'object') cur = (cur as Record<string, unknown>)[part];
    else return undefined;
  }
  return cur;
}

function allowedFields(e: ErrorObject): string[] | undefined {
  const schema = e.parentSchema as { properties?: Record<string, unknown> } | undefined;
  return schema?.properties ? Object.keys(schema.properties) : undefined;
}
