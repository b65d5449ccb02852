import { defineConfig } from 'vitest/config';

// GPU tests only run where CUDA is expected (see test/gpu and ../shared/device/README.md).
const gpu = process.env.CASM_EXPECT_CUDA === '1';

export default defineConfig({
  test: {
    include: gpu ? ['test/**/*.test.ts'] : ['test/unit/**/*.test.ts', 'test/native/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/fuzz/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // LibTorch already uses both cores; parallel native test files only fight over them.
    fileParallelism: false,
  },
});
