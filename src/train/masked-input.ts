// Builds the masked-out input x·(1 − m) for the masked-accuracy check during validation. The native
// saliency call returns masks but no logits on masked input, so TypeScript forms the masked batch
// (normalised float32 NCHW, as the fused step does on the device) and asks for logits again.
// A native `model.evaluate(batch)` returning clean logits, masks and masked logits in one pass would
// make this one call with nothing per-pixel crossing into JS.

/** ImageNet normalisation (spec, data transforms). */
const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;

/**
 * @param pixels uint8 RGB NHWC
 * @param masks  float32 [n, h, w] in [0, 1]
 * @returns normalised float32 NCHW, multiplied by (1 − mask)
 */
export function maskedOutInput(pixels: Uint8Array, masks: Float32Array, n: number, h: number, w: number): Float32Array {
  const plane = h * w;
  if (pixels.length !== n * plane * 3)
    throw new Error(`maskedOutInput: ${pixels.length} pixel bytes for ${n}×${h}×${w}×3`);
  if (masks.length !== n * plane) throw new Error(`maskedOutInput: ${masks.length} mask values for ${n}×${h}×${w}`);
  const out = new Float32Array(n * 3 * plane);
  // Per channel: (p/255 − mean)/std = p·a + b.
  const a = STD.map((s) => 1 / (255 * s));
  const b = MEAN.map((m, c) => -m / STD[c]!);
  for (let i = 0; i < n; i++) {
    const src = i * plane * 3;
    const dst = i * plane * 3;
    const m = i * plane;
    for (let p = 0; p < plane; p++) {
      const keep = 1 - masks[m + p]!;
      const q = src + p * 3;
      out[dst + p] = (pixels[q]! * a[0]! + b[0]!) * keep;
      out[dst + plane + p] = (pixels[q + 1]! * a[1]! + b[1]!) * keep;
      out[dst + 2 * plane + p] = (pixels[q + 2]! * a[2]! + b[2]!) * keep;
    }
  }
  return out;
}
