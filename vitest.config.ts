import { defineConfig } from 'vitest/config';
import { HANG_MS } from './test/budget.js';
import { testLibTorch } from './test/test-libtorch.js';

// GPU tests only run where CUDA is expected (see test/gpu and ../shared/device/README.md).
const gpu = process.env.CASM_EXPECT_CUDA === '1';

// The suite runs against PyTorch 2.13 from pip, which scripts/setup.sh --test installs in a
// virtual environment and builds build/ against; an explicit LIBTORCH wins. Without either, tests
// use whatever LibTorch the loader detects.
const libtorch = process.env.LIBTORCH || testLibTorch();

export default defineConfig({
  test: {
    include: gpu
      ? ['test/**/*.test.ts']
      : ['test/unit/**/*.test.ts', 'test/native/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/fuzz/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Limits only catch hangs: see test/budget.ts (no test may fail because the machine is slow).
    testTimeout: HANG_MS,
    hookTimeout: HANG_MS,
    // LibTorch already uses both cores; parallel native test files only fight over them.
    fileParallelism: false,
    env: libtorch ? { LIBTORCH: libtorch } : {},
  },
});
