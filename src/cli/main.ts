#!/usr/bin/env node
// Entry point of the `casm-native` command; the tree is in program.ts, exit statuses in run-cli.ts.
import { createProgram } from './program.js';
import { runCli } from './run-cli.js';

process.exitCode = await runCli(createProgram(), process.argv);
