import { parseArgs } from 'node:util';
import { closest } from '../did-you-mean.js';
import { TierctlError } from '../errors.js';
import type { CommandSpec, Values } from './command-spec.js';

/**
 * A command's arguments, checked against its flags with messages a user can act on.
 * node:util parseArgs in strict mode explains its own internals ("place it … after
 * '--'", "argument is ambiguous"); it runs non-strict here and every token is checked
 * by this function instead.
 */
export function parseCommandArgs(spec: CommandSpec, args: string[]): { values: Values; positionals: string[] } {
  const usage = { hint: `usage: ${spec.usage}  (tierctl help ${spec.name} lists every option)` };
  const parsed = parseArgs({ args, options: spec.options, allowPositionals: true, strict: false, tokens: true });
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    const flag = spec.options[token.name];
    if (!flag) {
      const near = closest(token.name, Object.keys(spec.options));
      throw new TierctlError(`unknown option ${token.rawName}${near ? ` (did you mean --${near}?)` : ''}`, usage);
    }
    if (flag.type === 'boolean' && token.value !== undefined) {
      throw new TierctlError(`option ${token.rawName} takes no value (got "${token.value}")`, usage);
    }
    if (flag.type === 'string') {
      const example = `${token.rawName} ${flag.arg ?? 'VALUE'}`;
      if (token.value === undefined) throw new TierctlError(`option ${token.rawName} needs a value`, { hint: `for example: ${example}` });
      // `--limit -1` is a (negative) value; `--out --format` is a missing value, not a file named --format.
      if (!token.inlineValue && token.value.startsWith('-') && !/^-\d/.test(token.value)) {
        throw new TierctlError(`option ${token.rawName} needs a value, but the next argument "${token.value}" is an option`, {
          hint: `for example: ${example}; a value that really starts with "-" is written ${token.rawName}=${token.value}`,
        });
      }
    }
  }
  const positionals = parsed.positionals;
  if (positionals.length > (spec.positionals ?? 0)) {
    throw new TierctlError(`unexpected argument "${positionals[spec.positionals ?? 0]}"`, usage);
  }
  return { values: parsed.values as Values, positionals };
}
