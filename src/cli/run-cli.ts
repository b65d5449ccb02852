// Runs the command tree and turns every way it can end into an exit status and at most one line on
// stderr: usage errors (commander's own and UsageError) → 2 with a pointer to the command's --help,
// failures → 1, help and version → 0. Commander's habit of printing the whole help after an error
// buries the error under ~60 lines, so its error output is silenced and rewritten here.
import { type Command, CommanderError } from 'commander';
import { USAGE_EXIT_CODE, UsageError } from './usage-error.js';

export interface CliIo {
  stderr: (text: string) => void;
}

/** Commander codes that mean "shown what was asked for", not an error. */
const BENIGN = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

export async function runCli(
  program: Command,
  argv: readonly string[],
  io: CliIo = { stderr: (t) => process.stderr.write(t) },
): Promise<number> {
  silenceCommanderErrors(program);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    const invoked = commandPath(program, argv.slice(2));
    if (err instanceof CommanderError) {
      if (BENIGN.has(err.code)) return err.exitCode;
      io.stderr(`${usageLine(invoked, err.message.replace(/^error: /, ''))}\n`);
      return USAGE_EXIT_CODE;
    }
    if (err instanceof UsageError) {
      io.stderr(`${usageLine(invoked, err.message)}\n`);
      return USAGE_EXIT_CODE;
    }
    // Failures keep the plain "casm-native: …" prefix scripts already match on.
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`${program.name()}: ${message}\n`);
    return 1;
  }
}

function usageLine(invoked: string, message: string): string {
  // Commander's "(Did you mean …?)" suggestion arrives on a second line; keep it, on this one.
  const oneLine = message.replace(/\s*\n\s*/g, ' ').trim();
  return `${invoked}: ${oneLine} (run '${invoked} --help' for more)`;
}

/** exitOverride and a silent error writer on every command, so errors reach the catch above. */
function silenceCommanderErrors(command: Command): void {
  command.exitOverride();
  command.configureOutput({ outputError: () => undefined });
  for (const sub of command.commands) silenceCommanderErrors(sub);
}

/** "casm-native data inspect" for argv [data, inspect, --data, …]: the deepest known command. */
export function commandPath(program: Command, args: readonly string[]): string {
  const names = [program.name()];
  let current: Command = program;
  for (const arg of args) {
    if (arg.startsWith('-')) break;
    const next = current.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!next) break;
    names.push(next.name());
    current = next;
  }
  return names.join(' ');
}
