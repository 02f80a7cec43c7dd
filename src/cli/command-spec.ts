import type { ParseArgsConfig } from 'node:util';
import type { Io } from './io.js';
import type { Outcome } from '../errors.js';

/**
 * One flag: what node:util parseArgs needs, plus what `--help` prints. `arg` names the
 * value (with its unit where it has one), `help` is one sentence a user can act on.
 */
export type Flag = NonNullable<ParseArgsConfig['options']>[string] & { arg?: string; help?: string };
export type Options = Record<string, Flag>;
export type Values = Record<string, string | boolean | undefined>;

/** A command's surface (kept light: no heavy imports) and a lazy loader for its body. */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  positionals?: number;
  /** The positional arguments, for --help: [name, sentence]. */
  arguments?: [string, string][];
  load(): Promise<{ run(values: Values, positionals: string[], io: Io): Promise<Outcome> }>;
}

/** --table-prefix: tierctl's tables take this prefix (default none, or $TIERCTL_TABLE_PREFIX). */
export const DATABASE_OPTION = {
  database: { type: 'string', arg: 'URL', help: 'the database to read or write: sqlite:path/to.db, or a postgres:// URL (default $DATABASE_URL, else sqlite:tierctl.sqlite)' },
  'table-prefix': { type: 'string', arg: 'PREFIX', help: "a prefix for tierctl's own table names, so they cannot collide with the app's (default none, or $TIERCTL_TABLE_PREFIX)" },
} as const satisfies Options;
export const DIR_OPTION = { dir: { type: 'string', default: 'tiers', arg: 'DIR', help: 'the folder holding catalog.yaml and the tier files' } } as const satisfies Options;
const FORMAT_TEXT_JSON = { format: { type: 'string', default: 'text', arg: 'FORMAT', help: 'text for people, json for scripts (on stdout)' } } as const satisfies Options;
const LOCK_TIMEOUT = {
  'lock-timeout': { type: 'string', default: '5000', arg: 'MS', help: "how long to wait for another apply's lock, in milliseconds" },
} as const satisfies Options;

export const COMMANDS: CommandSpec[] = [
  {
    name: 'validate',
    summary: 'Check the tier files (schema and cross-file rules)',
    usage: 'tierctl validate [--dir tiers] [--format text|json]',
    options: { ...DIR_OPTION, ...FORMAT_TEXT_JSON },
    load: () => import('./commands/validate.js'),
  },
  {
    name: 'plan',
    summary: 'Show what apply would change in the database',
    usage: 'tierctl plan [--dir tiers] [--database URL] [--out plan.json] [--format text|markdown|json]\n                    [--detailed-exitcode] [--against GIT_REF] [--skip-stripe] [--summary-file PATH] [--fail-on-reduction]',
    options: {
      ...DIR_OPTION,
      ...DATABASE_OPTION,
      out: { type: 'string', arg: 'FILE', help: 'also save the plan as JSON, for `tierctl apply FILE` to apply exactly it' },
      format: { type: 'string', default: 'text', arg: 'FORMAT', help: 'text for people, markdown for a pull-request comment, json for scripts' },
      'detailed-exitcode': { type: 'boolean', default: false, help: 'exit 2 when there are changes and 3 when they are destructive or blocked, instead of 0' },
      against: { type: 'string', arg: 'GIT_REF', help: 'compare with the tier files at this git ref instead of a database (the pull-request view)' },
      'skip-stripe': { type: 'boolean', default: false, help: 'do not verify Stripe lookup keys (the plan records that they were not verified)' },
      'summary-file': { type: 'string', arg: 'FILE', help: 'append the Markdown plan to this file, e.g. $GITHUB_STEP_SUMMARY' },
      'fail-on-reduction': { type: 'boolean', default: false, help: 'exit 3 when any change reduces what a tier\'s subscribers get (a lower limit, a removed permission, a retire or delete)' },
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
      'auto-approve': { type: 'boolean', default: false, help: 'apply without asking (needed without a terminal, e.g. in CI, unless a plan file is given)' },
      'skip-stripe': { type: 'boolean', default: false, help: 'apply even though Stripe lookup keys were not verified' },
      'allow-destroy': { type: 'boolean', default: false, help: 'allow deleting tiers whose files were removed (retiring is the safe way out)' },
      ...LOCK_TIMEOUT,
    },
    positionals: 1,
    arguments: [['plan.json', 'a plan saved by `tierctl plan --out`; without it, apply plans and asks first']],
    load: () => import('./commands/apply.js'),
  },
  {
    name: 'drift',
    summary: 'Check whether the database was changed outside tierctl since the last apply',
    usage: 'tierctl drift [--database URL] [--dir tiers] [--format text|json] [--allow-empty]',
    options: {
      ...DATABASE_OPTION,
      ...DIR_OPTION,
      ...FORMAT_TEXT_JSON,
      'allow-empty': {
        type: 'boolean',
        default: false,
        help: "treat a database without tierctl's tables (never applied to) as no drift, exit 0; without it that is an error (exit 1), so a wrong URL cannot pass a scheduled check",
      },
    },
    load: () => import('./commands/drift.js'),
  },
  {
    name: 'history',
    summary: 'List recent apply runs from the audit table',
    usage: 'tierctl history [--database URL] [--dir tiers] [--limit 20] [--run N] [--format text|json]',
    options: {
      ...DATABASE_OPTION,
      ...DIR_OPTION,
      limit: { type: 'string', default: '20', arg: 'N', help: 'how many of the most recent runs to list' },
      run: { type: 'string', arg: 'N', help: 'show what apply run N changed, instead of the list' },
      ...FORMAT_TEXT_JSON,
    },
    load: () => import('./commands/history.js'),
  },
  {
    name: 'migrate',
    summary: "Create or upgrade tierctl's own tables",
    usage: 'tierctl migrate [--database URL] [--dir tiers] [--status]',
    options: { ...DATABASE_OPTION, ...DIR_OPTION, status: { type: 'boolean', default: false, help: 'list applied and pending migrations without running any' }, ...LOCK_TIMEOUT },
    load: () => import('./commands/migrate.js'),
  },
  {
    name: 'import',
    summary: 'Write tier files from an existing tierctl database',
    usage: 'tierctl import [--database URL] [--dir tiers] [--force]',
    options: { ...DATABASE_OPTION, ...DIR_OPTION, force: { type: 'boolean', default: false, help: 'overwrite tier files already in the folder' } },
    load: () => import('./commands/import.js'),
  },
  {
    name: 'generate',
    summary: 'Write a TypeScript module of tier, permission and limit names for the application',
    usage: 'tierctl generate types [--dir tiers] [--out src/tiers.gen.ts] [--check]',
    options: {
      ...DIR_OPTION,
      out: { type: 'string', default: 'src/tiers.gen.ts', arg: 'FILE', help: 'where to write the TypeScript module' },
      check: { type: 'boolean', default: false, help: 'write nothing; exit 1 when the file is missing or out of date (for CI)' },
    },
    positionals: 1,
    load: () => import('./commands/generate.js'),
  },
  {
    name: 'init',
    summary: 'Scaffold tiers/, an example tier and the GitHub workflows',
    usage: 'tierctl init [--dir tiers] [--no-workflows] [--force]',
    options: {
      ...DIR_OPTION,
      'no-workflows': { type: 'boolean', default: false, help: 'do not write the two GitHub workflows (.github/workflows/tiers-*.yml)' },
      force: { type: 'boolean', default: false, help: 'overwrite files init would otherwise refuse to replace' },
    },
    load: () => import('./commands/init.js'),
  },
];
