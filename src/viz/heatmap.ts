// A continuous mask drawn for people: as 8-bit grey, and as a colour heat map blended over the image.

/** Mask values in [0,1] → 0..255 (rounded, clamped). */
export function maskToGrey(mask: Float32Array): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    const v = Math.round(mask[i]! * 255);
    out[i] = v < 0 ? 0 : Math.min(v, 255);
  }
  return out;
}

/**
 * The "jet" colour map (blue → cyan → yellow → red), piecewise linear, for v in [0,1]. Chosen because
 * saliency figures in the literature use it, so the overlays read the way readers expect.
 */
export function jet(v: number): [number, number, number] {
  const x = v < 0 ? 0 : Math.min(v, 1);
  const channel = (centre: number) => {
    const c = 1.5 - Math.abs(4 * x - centre);
    return Math.round(255 * (c < 0 ? 0 : Math.min(c, 1)));
  };
  return [channel(3), channel(2), channel(1)];
}

/** RGB image blended with the jet colour of the mask: out = (1−α)·image + α·jet(m). */
export function heatmapOverlay(image: Uint8Array, mask: Float32Array, alpha = 0.5): Uint8Array {
  if (image.length !== mask.length * 3)
    throw new RangeError(`heatmapOverlay: ${image.length} RGB bytes for a mask of ${mask.length} pixels`);
  const out = new Uint8Array(image.length);
  for (let p = 0; p < mask.length; p++) {
    const colour = jet(mask[p]!);
    for (let c = 0; c < 3; c++) out[3 * p + c] = Math.round((1 - alpha) * image[3 * p + c]! + alpha * colour[c]!);
  }
  return out;
}
