// The mask model as an ONNX file, written from TypeScript: the weights come from the addon's
// Model.stateDict() and the graph repeats, op for op, what native/ runs for Model.saliency():
//
//   image uint8 [N,H,W,3] RGB ─ Transpose → NCHW ─ Cast float ─ /255 ─ −mean ─ /std   (native/casm/input.cpp)
//   ResNet (native/models/resnet.cpp): conv1 7×7/2 + BN + ReLU, max-pool 3/2 → l0; layer1..4 → l1..l4;
//     logits = fc(global mean of l4)
//   decoder (native/models/decoder.cpp): 1×1 conv + BN + ReLU on l1..l4 (64 channels each), ×2/×4/×8
//     bilinear (align_corners=False) for l2..l4, concat [l0, …] (320 channels), 3×3 conv, sigmoid,
//     ×4 to the input size: nearest (the authors') or bilinear, as the model was built
//
// With a separate encoder (the not-shared ablation) the taps come from encoder.* and the logits
// from classifier.*, as native/casm/infer.cpp does.
//
// Resize modes: PyTorch's bilinear with align_corners=False is ONNX's coordinate_transformation_mode
// 'pytorch_half_pixel' ('half_pixel' differs only for an output size of 1, which never occurs here);
// PyTorch's nearest with a scale factor is 'asymmetric' with nearest_mode 'floor'. The equality
// test (test/native/onnx-export.test.ts) compares against the addon, so a wrong choice fails there.
import { promises as fs } from 'node:fs';
import type { Model } from '../native/model.js';
import { packageVersion } from '../native/package-root.js';
import type { ModelInfo } from '../native/types.js';
import { ONNX_INPUT, ONNX_LOGITS_OUTPUT, ONNX_MASK_OUTPUT, ONNX_METADATA } from './export-names.js';
import { type AttrValue, GraphBuilder } from './graph.js';
import { DataType, onnxSchema } from './schema.js';

export { ONNX_INPUT, ONNX_LOGITS_OUTPUT, ONNX_MASK_OUTPUT, ONNX_METADATA };

/** Options of {@link exportOnnx}: outputs, fixed or dynamic shapes, BatchNorm handling, opset, metadata. */
export interface OnnxExportOptions {
  /** Add the classifier's logits as a second output 'logits' [N, numClasses] (default true). */
  logits?: boolean;
  /** A fixed batch size; absent or null: dynamic ('batch'). */
  batch?: number | null;
  /** A fixed input side (H = W, a multiple of 32); absent or null: dynamic 'height' × 'width'. */
  size?: number | null;
  /**
   * 'fold' (default): each BatchNorm's running statistics and affine folded into the convolution
   * before it (weights scaled, a bias added); 'keep': BatchNormalization nodes.
   */
  batchNorm?: 'fold' | 'keep';
  /** ONNX opset, 13..21 (default 17). */
  opset?: number;
  /** Stored in the file's metadata_props (the ONNX runtime reads them back). */
  imageSize?: number | null;
  classIds?: readonly string[] | null;
}

/** torch's BatchNorm2d default, which native/ keeps. */
const BN_EPS = 1e-5;
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** The IR version that goes with an opset (onnx/helper.py's VERSION_TABLE). */
function irVersion(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

type Weights = Record<string, { shape: number[]; data: Float32Array }>;

class Net {
  constructor(
    readonly g: GraphBuilder,
    private readonly w: Weights,
    private readonly batchNorm: 'fold' | 'keep',
  ) {}

  has(key: string): boolean {
    return key in this.w;
  }

  tensor(key: string): { shape: number[]; data: Float32Array } {
    const t = this.w[key];
    if (!t) throw new Error(`the model's state has no tensor '${key}'`);
    return t;
  }

  param(key: string): string {
    const t = this.tensor(key);
    return this.g.floats(key, t.shape, t.data);
  }

  /** Convolution `conv` (no bias) followed by BatchNorm `bn`, folded or kept. */
  convBn(x: string, conv: string, bn: string, stride: number, pad: number): string {
    const w = this.tensor(`${conv}.weight`);
    const [out, , kh, kw] = w.shape as [number, number, number, number];
    const attrs = { kernel_shape: [kh, kw], strides: [stride, stride], pads: [pad, pad, pad, pad] };
    const gamma = this.tensor(`${bn}.weight`).data;
    const beta = this.tensor(`${bn}.bias`).data;
    const mean = this.tensor(`${bn}.running_mean`).data;
    const variance = this.tensor(`${bn}.running_var`).data;
    if (this.batchNorm === 'keep') {
      const y = this.g.node('Conv', [x, this.param(`${conv}.weight`)], attrs);
      return this.g.node(
        'BatchNormalization',
        [
          y,
          this.param(`${bn}.weight`),
          this.param(`${bn}.bias`),
          this.param(`${bn}.running_mean`),
          this.param(`${bn}.running_var`),
        ],
        { epsilon: { float: BN_EPS } },
      );
    }
    // y = γ (conv(x) − μ) / √(σ² + ε) + β = conv_{W·s}(x) + (β − μ s), s = γ / √(σ² + ε); in float64.
    const per = w.data.length / out;
    const folded = new Float32Array(w.data.length);
    const bias = new Float32Array(out);
    for (let o = 0; o < out; o++) {
      const s = (gamma[o] as number) / Math.sqrt((variance[o] as number) + BN_EPS);
      for (let i = o * per; i < (o + 1) * per; i++) folded[i] = (w.data[i] as number) * s;
      bias[o] = (beta[o] as number) - (mean[o] as number) * s;
    }
    const wName = this.g.floats(`${conv}.weight_folded`, w.shape, folded);
    const bName = this.g.floats(`${conv}.bias_folded`, [out], bias);
    return this.g.node('Conv', [x, wName, bName], attrs);
  }

  relu(x: string): string {
    return this.g.node('Relu', [x]);
  }

  /** Resize by an integer factor on H and W. */
  upsample(x: string, factor: number, mode: 'bilinear' | 'nearest'): string {
    const scales = this.g.floats(`scales_x${factor}`, [4], new Float32Array([1, 1, factor, factor]));
    const attrs: Record<string, AttrValue> =
      mode === 'bilinear'
        ? { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }
        : { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
    return this.g.node('Resize', [x, '', scales], attrs);
  }
}

/** The ResNet of native/models/resnet.cpp under `prefix`: the five taps and l4. */
function resnetTaps(net: Net, prefix: string, info: ModelInfo, x: string): string[] {
  const stem = net.relu(net.convBn(x, `${prefix}conv1`, `${prefix}bn1`, 2, 3));
  const l0 = net.g.node('MaxPool', [stem], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'l0');
  const taps = [l0];
  let h = l0;
  info.layers.forEach((blocks, stage) => {
    for (let b = 0; b < blocks; b++) {
      const p = `${prefix}layer${stage + 1}.${b}`;
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const shortcut = net.has(`${p}.downsample.0.weight`)
        ? net.convBn(h, `${p}.downsample.0`, `${p}.downsample.1`, stride, 0)
        : h;
      let out: string;
      if (info.block === 'basic') {
        out = net.relu(net.convBn(h, `${p}.conv1`, `${p}.bn1`, stride, 1));
        out = net.convBn(out, `${p}.conv2`, `${p}.bn2`, 1, 1);
      } else {
        out = net.relu(net.convBn(h, `${p}.conv1`, `${p}.bn1`, 1, 0));
        out = net.relu(net.convBn(out, `${p}.conv2`, `${p}.bn2`, stride, 1));
        out = net.convBn(out, `${p}.conv3`, `${p}.bn3`, 1, 0);
      }
      h = net.relu(net.g.node('Add', [out, shortcut]));
    }
    taps.push(h);
  });
  return taps;
}

function logitsOf(net: Net, prefix: string, l4: string): string {
  const pooled = net.g.node('Flatten', [net.g.node('GlobalAveragePool', [l4])], { axis: 1 });
  return net.g.node('Gemm', [pooled, net.param(`${prefix}fc.weight`), net.param(`${prefix}fc.bias`)], { transB: 1 });
}

/** The decoder of native/models/decoder.cpp on taps l0..l4: the mask [N,1,H,W]. */
function decoderMask(net: Net, taps: string[], upsample: 'nearest' | 'bilinear'): string {
  const [l0, ...deep] = taps as [string, ...string[]];
  const parts = [l0];
  deep.forEach((tap, k) => {
    const p = `decoder.conv1x1_${k + 1}`;
    const d = net.relu(net.convBn(tap, `${p}.0`, `${p}.1`, 1, 0));
    parts.push(k === 0 ? d : net.upsample(d, 2 ** k, 'bilinear'));
  });
  const cat = net.g.node('Concat', parts, { axis: 1 });
  const final = net.g.node('Conv', [cat, net.param('decoder.final.0.weight'), net.param('decoder.final.0.bias')], {
    kernel_shape: [3, 3],
    pads: [1, 1, 1, 1],
  });
  return net.upsample(net.g.node('Sigmoid', [final]), 4, upsample);
}

function checkOptions(opts: OnnxExportOptions): Required<Pick<OnnxExportOptions, 'opset' | 'batchNorm'>> {
  const opset = opts.opset ?? 17;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21) throw new Error(`opset must be 13..21, got ${opset}`);
  const batchNorm = opts.batchNorm ?? 'fold';
  if (batchNorm !== 'fold' && batchNorm !== 'keep') throw new Error(`batchNorm must be 'fold' or 'keep'`);
  if (opts.batch != null && (!Number.isInteger(opts.batch) || opts.batch < 1))
    throw new Error(`batch must be a positive integer, got ${opts.batch}`);
  if (opts.size != null && (!Number.isInteger(opts.size) || opts.size < 32 || opts.size % 32 !== 0))
    throw new Error(`size must be a multiple of 32 (at least 32), got ${opts.size}`);
  return { opset, batchNorm };
}

/** The ONNX file's bytes for `model` (its current weights and BN statistics, eval mode). */
export async function exportOnnx(model: Model, opts: OnnxExportOptions = {}): Promise<Uint8Array> {
  const { opset, batchNorm } = checkOptions(opts);
  const info = model.info();
  const withLogits = opts.logits ?? true;
  const weights = await model.stateDict();
  const g = new GraphBuilder();
  const net = new Net(g, weights, batchNorm);

  const batch = opts.batch ?? 'batch';
  const height = opts.size ?? 'height';
  const width = opts.size ?? 'width';
  const image = g.input(ONNX_INPUT, DataType.UINT8, [batch, height, width, 3]);
  const nchw = g.node('Cast', [g.node('Transpose', [image], { perm: [0, 3, 1, 2] })], { to: DataType.FLOAT });
  const scaled = g.node('Div', [nchw, g.floats('byte_scale', [], new Float32Array([255]))]);
  const centred = g.node('Sub', [scaled, g.floats('imagenet_mean', [1, 3, 1, 1], new Float32Array(IMAGENET_MEAN))]);
  const x = g.node('Div', [centred, g.floats('imagenet_std', [1, 3, 1, 1], new Float32Array(IMAGENET_STD))], {}, 'x');

  let taps: string[];
  let logits: string | null = null;
  if (info.separateEncoder) {
    taps = resnetTaps(net, 'encoder.', info, x);
    if (withLogits) logits = logitsOf(net, 'classifier.', resnetTaps(net, 'classifier.', info, x)[4] as string);
  } else {
    taps = resnetTaps(net, 'classifier.', info, x);
    if (withLogits) logits = logitsOf(net, 'classifier.', taps[4] as string);
  }
  g.alias(decoderMask(net, taps, info.upsample), ONNX_MASK_OUTPUT);
  g.output(ONNX_MASK_OUTPUT, DataType.FLOAT, [batch, 1, height, width]);
  if (logits) {
    g.alias(logits, ONNX_LOGITS_OUTPUT);
    g.output(ONNX_LOGITS_OUTPUT, DataType.FLOAT, [batch, info.numClasses]);
  }

  const metadata: Record<string, string> = {
    [ONNX_METADATA.format]: '1',
    [ONNX_METADATA.arch]: info.arch,
    [ONNX_METADATA.numClasses]: String(info.numClasses),
    [ONNX_METADATA.upsample]: info.upsample,
    [ONNX_METADATA.separateEncoder]: String(info.separateEncoder),
    [ONNX_METADATA.logits]: String(withLogits),
    [ONNX_METADATA.input]: 'uint8 RGB NHWC [N,H,W,3], H and W multiples of 32',
  };
  if (opts.imageSize != null) metadata[ONNX_METADATA.imageSize] = String(opts.imageSize);
  if (opts.classIds) metadata[ONNX_METADATA.classIds] = JSON.stringify(opts.classIds);

  const { ModelProto } = onnxSchema();
  const message = {
    ir_version: irVersion(opset),
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'casm-native',
    producer_version: packageVersion(),
    doc_string: `CASM mask model (${info.arch}, ${info.numClasses} classes, ${info.upsample} final upsampling)`,
    graph: g.graph(`casm_${info.arch}`),
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  const problem = ModelProto.verify(message);
  if (problem) throw new Error(`internal error: the ONNX message does not fit the schema: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(message)).finish();
}

/** exportOnnx, written to `path`; returns the file's size in bytes. */
export async function writeOnnx(model: Model, path: string, opts: OnnxExportOptions = {}): Promise<number> {
  const bytes = await exportOnnx(model, opts);
  await fs.writeFile(path, bytes);
  return bytes.byteLength;
}
