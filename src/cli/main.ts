#!/usr/bin/env node
// Entry point of the `casm-native` command; the tree is in program.ts, exit statuses in run-cli.ts.
import { createProgram } from './program.js';
import { runCli } from './run-cli.js';

const code = await runCli(createProgram(), process.argv);
// Commands that finish normally may have set their own status (doctor without an addon, a failed
// conformance case, an interrupted training run); only an error overrides it.
if (code !== 0) process.exitCode = code;
