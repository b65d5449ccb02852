// Parsers of numeric command-line values shared by the commands: commander calls them with the
// raw text and reports a thrown InvalidArgumentError as a usage error naming the option.
import { InvalidArgumentError } from 'commander';

/** An integer >= min, e.g. `integerAtLeast('--limit', 0)`. */
export const integerAtLeast = (name: string, min: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  return n;
};
