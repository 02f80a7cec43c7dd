import { COMMANDS, type CommandSpec } from './command-spec.js';

/** The top-level usage: every command with its summary. */
export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'tierctl: subscription tiers as code (YAML files -> SQL database, verified against Stripe)',
    '',
    'Usage: tierctl <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `tierctl help <command>` (or `tierctl <command> --help`) for a command's options.",
    'Exit codes: 0 ok/no changes, 1 error, 2 changes (--detailed-exitcode), 3 destructive or blocked, 4 stale plan or lock timeout.',
    '',
  ].join('\n');
}

/** One command's help: usage, then each argument and flag with its sentence, units and default. */
export function commandHelp(c: CommandSpec): string {
  const rows: [string, string][] = [
    ...(c.arguments ?? []),
    ...Object.entries(c.options).map(([name, f]): [string, string] => {
      const shown = f.type === 'string' ? `--${name} ${f.arg ?? 'VALUE'}` : `--${name}`;
      const fallback = f.type === 'string' && f.default !== undefined ? ` (default ${String(f.default)})` : '';
      return [shown, `${f.help ?? ''}${fallback}`.trim()];
    }),
    ['--help', 'show this help'],
  ];
  const width = Math.max(...rows.map(([l]) => l.length));
  return [`${c.summary}`, '', `Usage: ${c.usage}`, '', 'Options:', ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`), ''].join('\n');
}
