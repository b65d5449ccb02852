// A mistake in how a command was called (a missing or contradictory flag), as opposed to a failure
// while doing the work. The entry point prints it as one line with a pointer to --help and exits
// with status 2, the conventional "usage" status that scripts can tell apart from a failed run.
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The conventional exit status of a usage error (as getopt-based tools and argparse use). */
export const USAGE_EXIT_CODE = 2;
