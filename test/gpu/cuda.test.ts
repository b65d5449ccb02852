// GPU tests: run only with CASM_EXPECT_CUDA=1 (on the GPU machine); there a missing GPU is a
// failure, not a skip. See ../shared/device/README.md.
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStepConformance } from '../../src/conformance/step.js';
import { loadAddon } from '../../src/native/loader.js';
import { Model, Trainer } from '../../src/native/model.js';
import { labelsFor, pixelBatch } from '../native/helpers.js';

const expectCuda = process.env.CASM_EXPECT_CUDA === '1';
const SHARED = process.env.CASM_CONFORMANCE_DIR ?? resolve(__dirname, '..', 'conformance-vectors');
const suite = expectCuda ? describe : describe.skip;

suite('CUDA', () => {
  it('CUDA is available to the addon', () => {
    const env = loadAddon().environment();
    expect(env.cudaAvailable).toBe(true);
    expect(env.cudaDevices).toBeGreaterThan(0);
  });

  it('conformance step cases pass on CUDA in fp32 (tolerances at most 10× the CPU ones)', async () => {
    const cases = await runStepConformance(join(SHARED, 'step'), { device: 'cuda', toleranceScale: 10 });
    for (const c of cases) {
      const w = c.worst;
      console.log(`cuda conformance ${c.name}: ${w.name} ${w.deviation} (tolerance ${w.tolerance})`);
      expect(c.passed, `${c.name}: ${w.name} ${w.deviation} > ${w.tolerance}`).toBe(true);
    }
  });

  it('a bf16 step has finite losses within 5% of fp32 on the same batch', async () => {
    const opts = { arch: 'resnet50' as const, numClasses: 10, device: 'cuda', seed: 3 };
    const batch = pixelBatch(16, 128, 128, 1);
    const labels = labelsFor(16, 10);
    const results = [];
    for (const amp of [false, true]) {
      const m = await Model.create(opts);
      const t = new Trainer(m, { lambdaR: 10, amp });
      results.push(await t.step(batch, labels, { adversary: -1 }));
    }
    const [fp32, bf16] = results;
    for (const k of ['lossClean', 'lossMasked', 'lossMapping'] as const) {
      expect(Number.isFinite(bf16[k])).toBe(true);
      expect(Math.abs(bf16[k] - fp32[k]) / Math.abs(fp32[k])).toBeLessThan(0.05);
    }
  });

  it('pooled snapshots live on the device (memory grows by about one snapshot each)', async () => {
    const addon = loadAddon();
    const m = await Model.create({ arch: 'resnet50', numClasses: 1000, device: 'cuda' });
    const t = new Trainer(m, { lambdaR: 10, amp: true });
    const before = addon.cudaMemory(0)!.allocated;
    for (let i = 0; i < 4; i++) await t.snapshot(i);
    const perSnapshot = (addon.cudaMemory(0)!.allocated - before) / 4;
    console.log(`bf16 snapshot of resnet50: ${(perSnapshot / 2 ** 20).toFixed(1)} MiB`);
    expect(perSnapshot).toBeGreaterThan(30 * 2 ** 20);
    expect(perSnapshot).toBeLessThan(60 * 2 ** 20);
    const s = await t.step(pixelBatch(8, 128, 128), labelsFor(8, 1000), { adversary: 2 });
    expect(s.finite).toBe(true);
  });

  it('out of memory is a JS error, not a crash, and the model keeps working', async () => {
    const m = await Model.create({ arch: 'resnet152', numClasses: 10, device: 'cuda' });
    const t = new Trainer(m, { lambdaR: 10 });
    await expect(t.step(pixelBatch(2048, 512, 512), labelsFor(2048, 10), { adversary: -1 })).rejects.toThrow(
      /out of memory/i,
    );
    const s = await t.step(pixelBatch(4, 64, 64), labelsFor(4, 10), { adversary: -1 });
    expect(s.finite).toBe(true);
  });

  it('GPU memory does not grow across 200 steps', async () => {
    const addon = loadAddon();
    const m = await Model.create({ arch: 'resnet18', numClasses: 10, device: 'cuda' });
    const t = new Trainer(m, { lambdaR: 10, amp: true });
    await t.snapshot(0);
    const batches = [pixelBatch(32, 96, 96, 1), pixelBatch(32, 96, 96, 2)];
    for (let i = 0; i < 10; i++) await t.step(batches[i % 2], labelsFor(32, 10), { adversary: i % 2 ? 0 : -1 });
    const warm = addon.cudaMemory(0)!.allocated;
    for (let i = 0; i < 200; i++) await t.step(batches[i % 2], labelsFor(32, 10, i), { adversary: i % 2 ? 0 : -1 });
    const after = addon.cudaMemory(0)!.allocated;
    console.log(`allocated after warm-up ${warm}, after 200 steps ${after}`);
    expect(after - warm).toBeLessThan(1 * 2 ** 20);
  });
});
