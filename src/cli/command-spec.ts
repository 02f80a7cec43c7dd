import type { ParseArgsConfig } from 'node:util';
import type { Io } from './io.js';
import type { Outcome } from '../errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

/** A command's surface (kept light: no heavy imports) and a lazy loader for its body. */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  positionals?: number;
  load(): Promise<{ run(values: Values, positionals: string[], io: Io): Promise<Outcome> }>;
}

/** --table-prefix: tierctl's tables take this prefix (default none, or $TIERCTL_TABLE_PREFIX). */
export const DATABASE_OPTION = { database: { type: 'string' }, 'table-prefix': { type: 'string' } } as const satisfies Options;
export const DIR_OPTION = { dir: { type: 'string', default: 'tiers' } } as const satisfies Options;

export const COMMANDS: CommandSpec[] = [
  {
    name: 'validate',
    summary: 'Check the tier files (schema and cross-file rules)',
    usage: 'tierctl validate [--dir tiers] [--format text|json]',
    options: { ...DIR_OPTION, format: { type: 'string', default: 'text' } },
    load: () => import('./commands/validate.js'),
  },
  {
    name: 'plan',
    summary: 'Show what apply would change in the database',
    usage: 'tierctl plan [--dir tiers] [--database URL] [--out plan.json] [--format text|markdown|json]\n                    [--detailed-exitcode] [--against GIT_REF] [--skip-stripe] [--summary-file PATH]',
    options: {
      ...DIR_OPTION,
      ...DATABASE_OPTION,
      out: { type: 'string' },
      format: { type: 'string', default: 'text' },
      'detailed-exitcode': { type: 'boolean', default: false },
      against: { type: 'string' },
      'skip-stripe': { type: 'boolean', default: false },
      'summary-file': { type: 'string' },
    },
    load: () => import('./commands/plan.js'),
  },
  {
    name: 'apply',
    summary: 'Apply a saved plan, or plan and apply in one go',
    usage: 'tierctl apply [plan.json] [--dir tiers] [--auto-approve] [--database URL] [--skip-stripe]\n                     [--allow-destroy] [--lock-timeout MS]',
    options: {
      ...DIR_OPTION,
      ...DATABASE_OPTION,
      'auto-approve': { type: 'boolean', default: false },
      'skip-stripe': { type: 'boolean', default: false },
      'allow-destroy': { type: 'boolean', default: false },
      'lock-timeout': { type: 'string', default: '5000' },
    },
    positionals: 1,
    load: () => import('./commands/apply.js'),
  },
  {
    name: 'drift',
    summary: 'Check whether the database was changed outside tierctl since the last apply',
    usage: 'tierctl drift [--database URL] [--dir tiers] [--format text|json]',
    options: { ...DATABASE_OPTION, ...DIR_OPTION, format: { type: 'string', default: 'text' } },
    load: () => import('./commands/drift.js'),
  },
  {
    name: 'history',
    summary: 'List recent apply runs from the audit table',
    usage: 'tierctl history [--database URL] [--dir tiers] [--limit 20] [--format text|json]',
    options: { ...DATABASE_OPTION, ...DIR_OPTION, limit: { type: 'string', default: '20' }, format: { type: 'string', default: 'text' } },
    load: () => import('./commands/history.js'),
  },
  {
    name: 'migrate',
    summary: "Create or upgrade tierctl's own tables",
    usage: 'tierctl migrate [--database URL] [--dir tiers] [--status]',
    options: { ...DATABASE_OPTION, ...DIR_OPTION, status: { type: 'boolean', default: false }, 'lock-timeout': { type: 'string', default: '5000' } },
    load: () => import('./commands/migrate.js'),
  },
  {
    name: 'import',
    summary: 'Write tier files from an existing tierctl database',
    usage: 'tierctl import [--database URL] [--dir tiers] [--force]',
    options: { ...DATABASE_OPTION, ...DIR_OPTION, force: { type: 'boolean', default: false } },
    load: () => import('./commands/import.js'),
  },
  {
    name: 'init',
    summary: 'Scaffold tiers/, an example tier and the GitHub workflows',
    usage: 'tierctl init [--dir tiers] [--force]',
    options: { ...DIR_OPTION, force: { type: 'boolean', default: false } },
    load: () => import('./commands/init.js'),
  },
];
