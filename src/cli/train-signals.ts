// How `casm-native train` stops on SIGINT/SIGTERM: the first signal lets the current step finish and
// the loop write a checkpoint (the run can then be resumed); a second one leaves at once, keeping the
// last checkpoint written.

export interface StopSignals {
  /** Aborted by the first signal: the training loop's stop request. */
  signal: AbortSignal;
  /** The exit status the signal calls for (130 for SIGINT, 143 for SIGTERM), 0 while none came. */
  exitCode: () => number;
  /** Removes the handlers (once training has returned). */
  dispose: () => void;
}

/** Installs the handlers; `closeProgress` clears the progress display before a message is printed. */
export function stopOnSignals(closeProgress: () => void): StopSignals {
  const controller = new AbortController();
  let exitCode = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (exitCode) {
      closeProgress();
      process.stderr.write(`\n${signal} again: exiting without a new checkpoint\n`);
      process.exit(code);
    }
    exitCode = code;
    closeProgress();
    process.stderr.write(
      `\n${signal}: finishing the current step and writing a checkpoint (send it again to quit now)\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    exitCode: () => exitCode,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
