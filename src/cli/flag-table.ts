// A command's flags as one table: each row names the option's key once, and both the commander
// option (flag, help, parser, choices) and the mapping of parsed values onto a configuration are
// derived from it, so a flag cannot be declared in one place and forgotten in another.
import type { Command } from 'commander';
import { Option } from 'commander';

export interface FlagSpec<K extends string> {
  /** The parsed value's key (commander's camelCase of the flag); the flag is its kebab-case. */
  key: K;
  /** Argument placeholder, e.g. '<px>'; none: a boolean switch. */
  arg?: string;
  /** Help text; `{default}` stands for the default value (`shown`, else the defaults table's). */
  help: string;
  /** The value shown for `{default}` when the defaults table has none for this key. */
  shown?: unknown;
  parse?: (value: string, flag: string) => unknown;
  choices?: readonly string[];
  /** Commander's own "default: …" note (the value stays unset, so a preset can still fill it). */
  defaultNote?: string;
  /** The value belongs to the configuration (rather than to the command itself). */
  config?: boolean;
}

/** `imageSize` → `--image-size`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

// Commander stores a parser's null as '' (its mark of a failed parse), so a parsed null (e.g.
// `--val-split none`) travels as this until configFlags turns it back.
const NULL_VALUE = Symbol('null');

function shownDefault(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** Adds every row of `specs` to `cmd` as an option. */
export function addFlags<K extends string>(
  cmd: Command,
  specs: readonly FlagSpec<K>[],
  defaults: Partial<Record<string, unknown>>,
): Command {
  for (const spec of specs) {
    const flag = flagName(spec.key);
    const help = spec.help.replace('{default}', () => shownDefault(spec.shown ?? defaults[spec.key]));
    const option = new Option(spec.arg ? `${flag} ${spec.arg}` : flag, help);
    if (spec.parse) {
      const parse = spec.parse;
      option.argParser((value: string) => {
        const parsed = parse(value, flag);
        return parsed === null ? NULL_VALUE : parsed;
      });
    }
    if (spec.choices) option.choices(spec.choices);
    if (spec.defaultNote !== undefined) option.default(undefined, spec.defaultNote);
    cmd.addOption(option);
  }
  return cmd;
}

/** The configuration rows' values that were given (undefined ones left out). */
export function configFlags<K extends string>(
  flags: Partial<Record<K, unknown>>,
  specs: readonly FlagSpec<K>[],
): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  for (const spec of specs) {
    const value = flags[spec.key];
    if (spec.config && value !== undefined) out[spec.key] = value === NULL_VALUE ? null : value;
  }
  return out;
}
