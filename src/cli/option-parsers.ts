// Parsers of numeric command-line values shared by the commands: commander calls them with the
// raw text and reports a thrown InvalidArgumentError as a usage error naming the option.
import { InvalidArgumentError } from 'commander';

/** An integer >= min, e.g. `integerAtLeast('--limit', 0)`. */
export const integerAtLeast =
  (name: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };

/** Any integer; `flag` names the option in the error (the train flag table passes it). */
export const int = (value: string, flag: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${flag} must be an integer`);
  return n;
};

/** Any finite number. */
export const num = (value: string, flag: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a number`);
  return n;
};
