// Rectangles drawn into RGB pixels: the predicted box and the ground-truth boxes on a saliency
// overlay. Drawn inside the box's edges, so a box touching the image border stays fully visible.

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/** Predicted box: magenta, a colour the jet heat map never produces. */
export const PREDICTED_BOX_COLOUR: Rgb = [255, 0, 255];
/** Ground-truth box: white. */
export const GROUND_TRUTH_BOX_COLOUR: Rgb = [255, 255, 255];

/** Line width that stays visible on both a 32 px thumbnail and a 4000 px photo. */
export function boxLineWidth(width: number, height: number): number {
  return Math.max(1, Math.round(Math.min(width, height) / 150));
}

/** Draws the outline of box [x0, x1) × [y0, y1) (clipped to the image) in place. */
export function drawBox(
  rgb: Uint8Array,
  width: number,
  height: number,
  box: { x0: number; y0: number; x1: number; y1: number },
  colour: Rgb,
  lineWidth = 1,
): void {
  const x0 = Math.max(0, Math.floor(box.x0));
  const y0 = Math.max(0, Math.floor(box.y0));
  const x1 = Math.min(width, Math.ceil(box.x1));
  const y1 = Math.min(height, Math.ceil(box.y1));
  if (x1 <= x0 || y1 <= y0) return;
  const paint = (x: number, y: number) => {
    const p = 3 * (y * width + x);
    rgb[p] = colour[0];
    rgb[p + 1] = colour[1];
    rgb[p + 2] = colour[2];
  };
  const t = Math.min(lineWidth, Math.ceil((x1 - x0) / 2), Math.ceil((y1 - y0) / 2));
  for (let y = y0; y < y1; y++) {
    const edgeRow = y < y0 + t || y >= y1 - t;
    for (let x = x0; x < x1; x++) if (edgeRow || x < x0 + t || x >= x1 - t) paint(x, y);
  }
}
