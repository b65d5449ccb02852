// Runs the fused-step conformance vectors (test/conformance-vectors/step, made with the authors'
// code; step-variants, made with our PyTorch reference scripts/conformance/make-step-vectors.py)
// through the real addon and checks them with the tolerances of conformance/README.md.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Model, Trainer } from '../native/model.js';
import { encodeSafetensors, readSafetensors, type Tensor } from '../util/safetensors.js';
import type { CaseResult, Check } from './result.js';
import { summarise } from './result.js';

interface StepManifest {
  arch: { block: 'basic' | 'bottleneck'; layers: number[]; num_classes: number };
  input: [number, number, number, number];
  init: string;
  cases: Array<{
    name: string;
    file: string;
    adversary: 'current' | 'pool';
    fixed: boolean;
    score: 'entropy' | 'classification';
    lambda_r: number;
    steps: number;
    lr?: number;
    lr_mapping?: number;
    /** Absent: 'two-step' (the authors' default). */
    classifier_loss?: 'two-step' | 'mixed';
    /** Absent: 'out' (the authors' objective); 'in-out' adds mask_in_weight · CE on x·m. */
    objective?: 'out' | 'in-out';
    mask_in_weight?: number;
  }>;
}

const toFloat = (t: Tensor): Float64Array => Float64Array.from(t.data as ArrayLike<number>);

/** max |a−e| / max(1, |e|) */
function relDev(a: ArrayLike<number>, e: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]) / Math.max(1, Math.abs(e[i])));
  return a.length === e.length ? worst : Infinity;
}

function absDev(a: ArrayLike<number>, e: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]));
  return a.length === e.length ? worst : Infinity;
}

function flagDiff(a: ArrayLike<number>, e: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < e.length; i++) if ((a[i] ? 1 : 0) !== (e[i] ? 1 : 0)) n++;
  return n;
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function get(map: Map<string, Tensor>, name: string, file: string): Tensor {
  const t = map.get(name);
  if (!t) throw new Error(`${file}: tensor '${name}' is missing`);
  return t;
}

/** The initial state as our model.safetensors names, so importWeights can load it strictly. */
function writeInitWeights(init: Map<string, Tensor>, dir: string): string {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of init) {
    const m = /^init\.(classifier|decoder)\.(.+)$/.exec(name);
    if (m) out.set(`${m[1]}.${m[2]}`, { shape: t.shape, data: Float32Array.from(t.data as ArrayLike<number>) });
  }
  const file = join(dir, 'init.safetensors');
  writeFileSync(file, encodeSafetensors(out));
  return file;
}

const isRunningStat = (name: string): boolean => /running_(mean|var)$|num_batches_tracked$/.test(name);

/**
 * toleranceScale multiplies every tolerance (the GPU tests allow up to 10× the CPU ones: cuDNN
 * kernels are not bit-identical to the CPU's).
 */
export async function runStepConformance(
  dir: string,
  opts: { device?: string; toleranceScale?: number } = {},
): Promise<CaseResult[]> {
  const scale = opts.toleranceScale ?? 1;
  const manifestPath = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as StepManifest;
  // Relative to the manifest's folder (a folder of variants shares the authors' initial state).
  const init = readSafetensors(resolve(dir, manifest.init));
  const scratch = mkdtempSync(join(tmpdir(), 'casm-conformance-'));
  const results: CaseResult[] = [];
  try {
    const initFile = writeInitWeights(init, scratch);
    const [batch, , h, w] = manifest.input;
    for (const c of manifest.cases) {
      const file = resolve(dir, c.file);
      const ref = readSafetensors(file);
      const model = await Model.create({
        arch: 'custom',
        block: manifest.arch.block,
        layers: manifest.arch.layers,
        numClasses: manifest.arch.num_classes,
        device: opts.device ?? 'cpu',
      });
      await model.importWeights(initFile, { strict: true });
      const trainer = new Trainer(model, {
        lambdaR: c.lambda_r,
        score: c.score,
        fixedClassifier: c.fixed,
        lr: c.lr,
        lrMapping: c.lr_mapping,
        classifierLoss: c.classifier_loss,
        objective: c.objective,
        maskInWeight: c.mask_in_weight,
      });
      // 'pool': one frozen copy of the initial classifier is the adversary of every step.
      if (c.adversary === 'pool') await trainer.snapshot(0);
      const checks: Check[] = [];
      for (let i = 0; i < c.steps; i++) {
        const input = get(ref, `step${i}.input`, file);
        const target = get(ref, `step${i}.target`, file);
        const labels = Int32Array.from(target.data as BigInt64Array, (v) => Number(v));
        const stats = await trainer.step(
          { kind: 'float32', data: Float32Array.from(input.data as Float32Array), n: batch, h, w },
          labels,
          { adversary: c.adversary === 'pool' ? 0 : -1, returnTensors: true },
        );
        const t = stats.tensors!;
        const e = (n: string) => toFloat(get(ref, `step${i}.${n}`, file));
        const first = i === 0;
        const tight = (name: string, dev: number, tol: number) =>
          checks.push({ name: `step${i}.${name}`, deviation: dev, tolerance: name === 'flags' ? tol : tol * scale });
        tight('clean_logits', relDev(t.cleanLogits, e('clean_logits')), first ? 1e-4 : 5e-2);
        tight('loss_clean', relDev([stats.lossClean], e('loss_clean')), first ? 1e-4 : 5e-2);
        tight('mask', absDev(t.mask, e('mask')), first ? 1e-4 : 5e-2);
        tight('masked_logits', relDev(t.maskedLogits, e('masked_logits')), first ? 1e-3 : 5e-2);
        tight('loss_masked', relDev([stats.lossMasked], e('loss_masked')), first ? 1e-3 : 5e-2);
        tight('loss_mapping', relDev([stats.lossMapping], e('loss_mapping')), first ? 1e-3 : 5e-2);
        if (c.objective === 'in-out') {
          // The masked-in pass sees the same adversary as the masked-out one: the same tolerances.
          const inLogits = t.maskedInLogits ?? new Float32Array(0);
          tight('masked_in_logits', relDev(inLogits, e('masked_in_logits')), first ? 1e-3 : 5e-2);
          tight('loss_masked_in', relDev([stats.lossMaskedIn ?? Number.NaN], e('loss_masked_in')), first ? 1e-3 : 5e-2);
        }
        const gn = e('decoder_grad_norm')[0];
        tight('decoder_grad_norm', Math.abs(stats.decoderGradNorm - gn) / gn, first ? 1e-2 : 0.25);
        const flips =
          flagDiff(t.correctOnClean, e('correct_on_clean')) +
          flagDiff(t.nontriviallyConfused, e('nontrivially_confused'));
        tight('flags', flips, first ? 0 : 1);
      }
      const state = await model.stateDict();
      checks.push(
        ...finalStateChecks(state, init, ref, file, c.steps === 1 ? 0.08 : 0.3).map((k) => ({
          ...k,
          tolerance: k.tolerance * scale,
        })),
      );
      results.push(summarise(c.name, checks));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return results;
}

function finalStateChecks(
  state: Record<string, { shape: number[]; data: Float32Array }>,
  init: Map<string, Tensor>,
  ref: Map<string, Tensor>,
  file: string,
  decoderTol: number,
): Check[] {
  const checks: Check[] = [];
  // Sums of ‖Δa − Δe‖² and ‖Δe‖² over a group of tensors, Δ = final − init.
  const decoder = { num: 0, den: 0 };
  const classifier = { num: 0, den: 0 };
  const accumulate = (
    acc: { num: number; den: number },
    actual: Float32Array,
    initial: Float32Array,
    expected: Float32Array,
  ) => {
    for (let k = 0; k < expected.length; k++) {
      const de = expected[k] - initial[k];
      acc.num += (actual[k] - initial[k] - de) ** 2;
      acc.den += de * de;
    }
  };
  let normNum = 0;
  let normDen = 0;
  for (const [name, t] of ref) {
    // Decoder: trainable tensors only, all together; classifier: every tensor given in full.
    const m = /^final\.(decoder|classifier)\.(.+)$/.exec(name);
    if (m && (m[1] === 'classifier' || !isRunningStat(m[2]))) {
      const initial = get(init, `init.${m[1]}.${m[2]}`, file).data as Float32Array;
      accumulate(
        m[1] === 'decoder' ? decoder : classifier,
        state[`${m[1]}.${m[2]}`].data,
        initial,
        t.data as Float32Array,
      );
    }
    const nm = /^delta\.classifier\.(.+)$/.exec(name);
    if (nm) {
      const a = state[`classifier.${nm[1]}`].data;
      const i0 = get(init, `init.classifier.${nm[1]}`, file).data as Float32Array;
      const delta = new Float64Array(a.length);
      for (let k = 0; k < a.length; k++) delta[k] = a[k] - i0[k];
      const n = (t.data as Float64Array)[1];
      normNum += (norm(delta) - n) ** 2;
      normDen += n * n;
    }
  }
  // A case whose expected change is zero (the fixed classifier of preset F) must change nothing.
  const ratio = (n: number, d: number) => (d > 0 ? Math.sqrt(n) / Math.sqrt(d) : Math.sqrt(n) <= 1e-7 ? 0 : Infinity);
  checks.push({ name: 'final.decoder', deviation: ratio(decoder.num, decoder.den), tolerance: decoderTol });
  checks.push({ name: 'final.classifier', deviation: ratio(classifier.num, classifier.den), tolerance: 0.01 });
  checks.push({ name: 'delta.classifier norms', deviation: ratio(normNum, normDen), tolerance: 0.01 });
  return checks;
}
