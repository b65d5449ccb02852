// The one internal dataset type every manifest format is turned into, and the batch format the
// trainer consumes. Boxes are x0,y0,x1,y1 in original image pixels (x1,y1 exclusive as in the
// authors' scoring: the pixel rectangle is [y0:y1, x0:x1]).

/** A box in pixels of the original image; x1 and y1 are exclusive. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** One image of a dataset: its file, class and boxes. */
export interface Sample {
  /** Absolute path of the image file. */
  path: string;
  /** Class index into Dataset.classNames. */
  label: number;
  /** Ground-truth boxes of the image's class, original pixels; empty when the split has none. */
  boxes: Box[];
  /** Original size when the manifest states it (wsolevaluation image_sizes.txt, XML). */
  width?: number;
  height?: number;
  /** Where the sample came from, for error messages: "file:line" or the folder. */
  origin: string;
}

/** A dataset entry that was skipped, where it came from and why. */
export interface SkipRecord {
  origin: string;
  reason: string;
}

/** One split of a dataset as read by `loadDataset`: its samples, classes and skipped entries. */
export interface Dataset {
  /** Root folder or manifest the dataset was read from. */
  root: string;
  split: string;
  /** Class ids in index order (wnids, or the names a manifest uses). */
  classIds: string[];
  /** Human-readable names when known (synset words), else the ids. */
  classNames: string[];
  samples: Sample[];
  /** Samples dropped while reading the manifest (non-strict mode). */
  skipped: SkipRecord[];
}

/** One batch as it crosses into native code: uint8 RGB, NHWC, h×w fixed for the batch. */
export interface ImageBatch {
  data: Buffer;
  n: number;
  h: number;
  w: number;
  labels: Int32Array;
  /** Index of each image in Dataset.samples. */
  indices: number[];
  /** Ground-truth boxes after the same transform as the pixels, in output pixels. */
  boxes: Box[][];
}
