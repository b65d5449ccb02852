// `casm-native eval --baseline cam gradcam`: the paper's Table 1 on a run's data. Each row is the
// same number the one scorer gives for that source on its own (CASM = eval of the run, centre box =
// --toy center, CAM / Grad-CAM = evaluateLocalisation of the activation maps), Grad-CAM's layer is
// the one with the lowest LE on the validation split, and the reported split is never the one the
// layer was chosen on.
import { beforeAll, describe, expect, it } from 'vitest';
import { registerEval } from '../../src/cli/eval.js';
import { loadDataset } from '../../src/data/load.js';
import { evaluateLocalisation } from '../../src/eval/localisation.js';
import { Model } from '../../src/native/model.js';
import type { ActivationMapLayer } from '../../src/native/types.js';
import { missing } from '../environment.js';
import { runCommand, type TinyRun, tinyDemoRun } from './eval-fixture.js';
import { tryLoadAddon } from './train-fixture.js';

const addon = await tryLoadAddon();
const evalCli = (args: string[]) => runCommand([registerEval], ['eval', ...args]);

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))(
  'eval --baseline (CAM / Grad-CAM beside CASM and the centre box)',
  () => {
    let run: TinyRun;
    beforeAll(async () => {
      run = await tinyDemoRun();
    });

    it('--json: every row equals that source scored on its own; Grad-CAM at the lowest validation LE', async () => {
      const common = ['--checkpoint', run.runDir, '--data', run.data, '--split', 'train', '--batch-size', '5'];
      const { stdout } = await evalCli([...common, '--baseline', 'cam', 'gradcam', '--json']);
      const r = JSON.parse(stdout);
      expect(r.split).toBe('train');
      expect(r.rows.map((x: { name: string }) => x.name)).toEqual(['CASM', 'CAM', 'Grad-CAM', 'centre box']);
      const row = (name: string) => r.rows.find((x: { name: string }) => x.name === name);

      const casm = JSON.parse((await evalCli([...common, '--json'])).stdout);
      expect(row('CASM').LE).toBe(casm.LE);
      expect(row('CASM').OM).toBe(casm.OM);
      expect(row('CASM').F1).toBe(casm.F1);
      const centre = JSON.parse(
        (await evalCli(['--toy', 'center', '--data', run.data, '--split', 'train', '--size', '32', '--json'])).stdout,
      );
      expect(row('centre box').LE).toBe(centre.LE);
      expect(row('centre box').F1).toBe(centre.F1);

      const [cam, grad] = r.layers;
      // CAM has one layer (where the fc weights apply): nothing to choose.
      expect(cam).toMatchObject({ method: 'cam', layer: 'l4', valSplit: null });
      expect(grad.method).toBe('gradcam');
      expect(grad.valSplit).toBe('val');
      expect(grad.valLE.map((v: { layer: string }) => v.layer).sort()).toEqual(['l1', 'l2', 'l3', 'l4']);
      const best = Math.min(...grad.valLE.map((v: { LE: number }) => v.LE));
      expect(grad.valLE.find((v: { layer: string }) => v.layer === grad.layer).LE).toBe(best);

      // The same maps scored directly, at the chosen layer, on the reported split and on val.
      const model = await Model.load(run.runDir);
      try {
        const dataset = await loadDataset({ data: run.data, split: 'train' });
        const val = await loadDataset({ data: run.data, split: 'val' });
        for (const [name, method, layer] of [
          ['CAM', 'cam', 'l4'],
          ['Grad-CAM', 'gradcam', grad.layer],
        ] as const) {
          const direct = await evaluateLocalisation({
            dataset,
            size: 32,
            masks: { kind: 'activation', model, method, layer: layer as ActivationMapLayer },
          });
          expect(row(name).LE, name).toBe(direct.LE);
          expect(row(name).OM, name).toBe(direct.OM);
          expect(row(name).F1, name).toBe(direct.F1);
          expect(direct.maskStats.mean, name).toBeGreaterThan(0);
          expect(direct.maskStats.mean, name).toBeLessThan(1);
        }
        for (const v of grad.valLE) {
          const onVal = await evaluateLocalisation({
            dataset: val,
            size: 32,
            masks: { kind: 'activation', model, method: 'gradcam', layer: v.layer },
          });
          expect(v.LE, v.layer).toBe(onVal.LE);
        }
      } finally {
        model.dispose();
      }
    });

    it('prints the rows side by side, with the layer and how it was chosen', async () => {
      const { stdout } = await evalCli([
        '--checkpoint',
        run.runDir,
        '--split',
        'train',
        '--baseline',
        'gradcam',
        '--layer',
        'l3',
      ]);
      expect(stdout).toMatch(/localisation on 24 images of split "train", 32x32, resize crop/);
      expect(stdout).toMatch(/^ {2}method +LE +OM +F1$/m);
      expect(stdout).toMatch(/^ {2}CASM +\d+\.\d +\d+\.\d +\d+\.\d$/m);
      expect(stdout).toMatch(/^ {2}Grad-CAM +\d+\.\d +\d+\.\d +\d+\.\d +layer l3 \(given\)$/m);
      expect(stdout).toMatch(/^ {2}centre box +\d+\.\d/m);
      expect(stdout).not.toMatch(/CAM +\d.*fc weights/);
    });

    it('refuses to report the split the layer is chosen on, CAM away from l4, and --baseline without a run', async () => {
      await expect(evalCli(['--checkpoint', run.runDir, '--baseline', 'gradcam'])).rejects.toThrow(
        /chooses its layer on --val-split "val", so it cannot report that split/,
      );
      await expect(evalCli(['--checkpoint', run.runDir, '--baseline', 'cam', '--layer', 'l2'])).rejects.toThrow(
        /--layer applies to --baseline gradcam/,
      );
      await expect(evalCli(['--data', run.data, '--baseline', 'cam'])).rejects.toThrow(/eval needs --checkpoint/);
      await expect(evalCli(['--checkpoint', run.runDir, '--baseline', 'cam', '--toy', 'center'])).rejects.toThrow(
        /alternatives/,
      );
    });
  },
);
