import { describe, expect, it } from 'vitest';
import { Model } from '../../src/native/model.js';
import type { Arch } from '../../src/native/types.js';

// torchvision's parameter counts with 1000 classes: the architectures must be the same networks.
const TORCHVISION_PARAMS: Record<string, number> = {
  resnet18: 11_689_512,
  resnet34: 21_797_672,
  resnet50: 25_557_032,
  resnet101: 44_549_160,
  resnet152: 60_192_808,
};

describe('ResNet architectures', () => {
  for (const arch of Object.keys(TORCHVISION_PARAMS) as Arch[]) {
    it(`${arch}: torchvision parameter count, tap and mask shapes`, async () => {
      const model = await Model.create({ arch, numClasses: 1000 });
      const info = model.info();
      expect(info.classifierParameters).toBe(TORCHVISION_PARAMS[arch]);
      const wide = arch === 'resnet18' || arch === 'resnet34' ? 1 : 4;
      const shapes = await model.tapShapes(64, 96);
      expect(shapes.l0).toEqual([1, 64, 16, 24]);
      expect(shapes.l1).toEqual([1, 64 * wide, 16, 24]);
      expect(shapes.l2).toEqual([1, 128 * wide, 8, 12]);
      expect(shapes.l3).toEqual([1, 256 * wide, 4, 6]);
      expect(shapes.l4).toEqual([1, 512 * wide, 2, 3]);
      expect(shapes.logits).toEqual([1, 1000]);
      expect(shapes.mask).toEqual([1, 1, 64, 96]);
      const names = Object.keys(await model.stateDict('classifier.'));
      expect(names).toContain('classifier.layer1.0.conv1.weight');
      expect(names).toContain('classifier.layer2.0.downsample.0.weight');
      expect(names).toContain('classifier.layer2.0.downsample.1.running_var');
      expect(names).toContain('classifier.fc.weight');
    });
  }

  it('custom block counts: bottleneck [1,1,1,1] as in the conformance vectors', async () => {
    const model = await Model.create({ arch: 'custom', block: 'bottleneck', layers: [1, 1, 1, 1], numClasses: 10 });
    const sd = await model.stateDict();
    expect(sd['classifier.layer4.0.conv3.weight'].shape).toEqual([2048, 512, 1, 1]);
    expect(sd['classifier.layer4.1.conv1.weight']).toBeUndefined();
    expect(sd['decoder.conv1x1_4.0.weight'].shape).toEqual([64, 2048, 1, 1]);
    expect(sd['decoder.final.0.weight'].shape).toEqual([1, 320, 3, 3]);
    const basic = await Model.create({ arch: 'custom', block: 'basic', layers: [2, 1, 1, 3], numClasses: 3 });
    const bsd = await basic.stateDict();
    expect(bsd['classifier.layer4.2.conv2.weight'].shape).toEqual([512, 512, 3, 3]);
    expect(bsd['decoder.conv1x1_1.0.weight'].shape).toEqual([64, 64, 1, 1]);
  });

  it('initialises as the authors do: conv N(0, sqrt(2/(k·k·out))), BN γ=1, β=0', async () => {
    const model = await Model.create({ arch: 'resnet18', numClasses: 10, seed: 3 });
    const sd = await model.stateDict();
    const w = sd['classifier.layer3.0.conv2.weight'].data; // 256×256×3×3
    let sum = 0;
    let sq = 0;
    for (const v of w) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / w.length;
    const std = Math.sqrt(sq / w.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(std).toBeCloseTo(Math.sqrt(2 / (3 * 3 * 256)), 3);
    expect(Array.from(sd['classifier.bn1.weight'].data).every((v) => v === 1)).toBe(true);
    expect(Array.from(sd['decoder.conv1x1_2.1.bias'].data).every((v) => v === 0)).toBe(true);
  });

  it('the same seed gives the same weights, another seed different ones', async () => {
    const a = await (await Model.create({ arch: 'resnet18', numClasses: 4, seed: 7 })).stateDict('decoder.final');
    const b = await (await Model.create({ arch: 'resnet18', numClasses: 4, seed: 7 })).stateDict('decoder.final');
    const c = await (await Model.create({ arch: 'resnet18', numClasses: 4, seed: 8 })).stateDict('decoder.final');
    expect(Array.from(a['decoder.final.0.weight'].data)).toEqual(Array.from(b['decoder.final.0.weight'].data));
    expect(Array.from(a['decoder.final.0.weight'].data)).not.toEqual(Array.from(c['decoder.final.0.weight'].data));
  });
});

describe('resnet10', () => {
  it('is the basic-block ResNet with one block per stage (custom [1, 1, 1, 1])', async () => {
    const named = await Model.create({ arch: 'resnet10', numClasses: 4, seed: 3 });
    const custom = await Model.create({ arch: 'custom', block: 'basic', layers: [1, 1, 1, 1], numClasses: 4, seed: 3 });
    expect(named.info()).toMatchObject({
      block: 'basic',
      layers: [1, 1, 1, 1],
      classifierParameters: custom.info().classifierParameters,
    });
    const a = await named.stateDict('classifier.');
    const b = await custom.stateDict('classifier.');
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(Object.keys(a)).not.toContain('classifier.layer1.1.conv1.weight');
  });
});
