// Time limits in this suite exist to stop a hung test, never to judge speed: a loaded or slow
// machine (CI once took 33 min under load, where a quiet one takes ~10) must not fail a test that
// would pass given time. So every limit (vitest's test and hook timeouts, child processes' timeouts)
// is this one generous budget, far above what any test takes on a loaded 2-core machine, instead
// of a clock sized to one machine. CASM_TEST_HANG_MS overrides it (e.g. larger under sanitizers).
export const HANG_MS = Number(process.env.CASM_TEST_HANG_MS) || 30 * 60_000;
