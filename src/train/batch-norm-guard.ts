// BatchNorm in train mode needs more than one value per channel. ResNet halves the image five
// times, so up to 32 px its last stage is 1×1 and a batch of one image leaves each channel a
// single value: LibTorch then aborts the step ("Expected more than 1 value per channel"), and
// with it the run, without a checkpoint. The loader merges a final batch of one into the batch
// before (see src/data/loader.ts); what remains (--batch-size 1, or a one-image epoch) is
// refused here, before training starts, with the ways out.

/** Side of ResNet's last stage for a square input: five stride-2 stages, each ceil(side / 2). */
export function lastStageSide(imageSize: number): number {
  let side = imageSize;
  for (let k = 0; k < 5; k++) side = Math.ceil(side / 2);
  return side;
}

export function checkBatchNormBatches(smallestBatch: number, imageSize: number): void {
  if (smallestBatch === 1 && lastStageSide(imageSize) === 1) {
    throw new Error(
      `a training batch of one image at --image-size ${imageSize} leaves BatchNorm a single value per channel in the last ResNet stage; ` +
        'use --batch-size 2 or more (with at least 2 training images per epoch) or --image-size 64 or more',
    );
  }
}
