// The fashion-loc demo dataset: Fashion-MNIST items placed on cluttered backgrounds, written as
// PNG images plus clovaai/wsolevaluation metadata, so that every tool reads it like a WSOL
// benchmark. As in wsolevaluation there are three splits: train and val draw disjoint items from
// the official Fashion-MNIST train split (val is for tuning and validation during training), test
// draws from the official t10k split.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { drawScene, ITEM_SIDE, type Scene } from './fashion-scene.js';
import { readIdx } from './idx.js';
import { forEachLimited } from './imagenet-boxes.js';
import { Random } from './random.js';
import type { Box } from './types.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Class ids and names in label order. */
export const FASHION_CLASSES: ReadonlyArray<{ id: string; name: string }> = [
  { id: 'tshirt_top', name: 'T-shirt/top' },
  { id: 'trouser', name: 'Trouser' },
  { id: 'pullover', name: 'Pullover' },
  { id: 'dress', name: 'Dress' },
  { id: 'coat', name: 'Coat' },
  { id: 'sandal', name: 'Sandal' },
  { id: 'shirt', name: 'Shirt' },
  { id: 'sneaker', name: 'Sneaker' },
  { id: 'bag', name: 'Bag' },
  { id: 'ankle_boot', name: 'Ankle boot' },
];

export interface FashionLocOptions {
  out: string;
  /** Side of one scene in pixels (default 128). */
  size?: number;
  /** Two identical copies side by side per image (paper Section 2.1); images are 2·size × size. */
  duplicate?: boolean;
  /** Only items of these classes (ids of FASHION_CLASSES), labelled 0..k−1 in this order; default all ten. */
  classes?: readonly string[];
  /** Item side as a fraction of the scene side, [min, max] (default [0.3, 0.6]). */
  itemScale?: readonly [number, number];
  /** Scenes per split (defaults 2000, 500, 500: small enough to generate and train on a CPU quickly). */
  train?: number;
  val?: number;
  test?: number;
  seed?: number;
  /** Folder of the Fashion-MNIST IDX files (gzipped or not). */
  source?: string;
  /** Called after each written image, for progress output. */
  onProgress?: (done: number, total: number) => void;
}

export type { SplitName as FashionLocSplit };

export interface FashionLocSummary {
  out: string;
  counts: Record<SplitName, number>;
  width: number;
  height: number;
}

type SplitName = 'train' | 'val' | 'test';

interface Split {
  name: SplitName;
  images: Uint8Array;
  labels: Uint8Array;
  /** Official items this split draws from. */
  items: number[];
}

async function readSplit(
  source: string,
  prefix: 'train' | 't10k',
): Promise<{ images: Uint8Array; labels: Uint8Array; n: number }> {
  const file = async (kind: string) => {
    try {
      return await readIdx(join(source, `${prefix}-${kind}.gz`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return readIdx(join(source, `${prefix}-${kind}`)).catch((inner: NodeJS.ErrnoException) => {
        if (inner.code === 'ENOENT') {
          throw new Error(
            `Fashion-MNIST not found in ${source} (${prefix}-${kind}[.gz]); install Debian's dataset-fashion-mnist or pass --source`,
          );
        }
        throw inner;
      });
    }
  };
  const images = await file('images-idx3-ubyte');
  const labels = await file('labels-idx1-ubyte');
  if (images.shape[1] !== ITEM_SIDE || images.shape[2] !== ITEM_SIDE || images.shape[0] !== labels.shape[0]) {
    throw new Error(`${source}: unexpected IDX shapes ${images.shape.join('x')} / ${labels.shape.join('x')}`);
  }
  return { images: images.data, labels: labels.data, n: images.shape[0]! };
}

/** A seeded sample without replacement of `count` of the `candidates`. */
function pick(candidates: readonly number[], count: number, rng: Random): number[] {
  const order = [...candidates];
  const n = order.length;
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, count);
}

/** Indices 0..n−1 whose label is one of `labels` (all when null). */
function itemsOf(labels: Uint8Array, n: number, wanted: ReadonlyMap<number, number> | null): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!wanted || wanted.has(labels[i]!)) out.push(i);
  return out;
}

/** Fashion-MNIST label → label in the written dataset, for a class subset (null: all, unchanged). */
export function classSubset(
  ids: readonly string[] | undefined,
): { map: Map<number, number>; classes: { id: string; name: string }[] } | null {
  if (!ids) return null;
  if (ids.length === 0) throw new Error('--classes must name at least one class');
  const map = new Map<number, number>();
  const classes: { id: string; name: string }[] = [];
  for (const id of ids) {
    const label = FASHION_CLASSES.findIndex((c) => c.id === id);
    if (label < 0)
      throw new Error(`unknown fashion-loc class '${id}' (known: ${FASHION_CLASSES.map((c) => c.id).join(', ')})`);
    if (map.has(label)) throw new Error(`class '${id}' is listed twice`);
    map.set(label, classes.length);
    classes.push(FASHION_CLASSES[label]!);
  }
  return { map, classes };
}

/** Writes the dataset; returns what was written. */
export async function generateFashionLoc(options: FashionLocOptions): Promise<FashionLocSummary> {
  const size = options.size ?? 128;
  const seed = options.seed ?? 0;
  const duplicate = options.duplicate ?? false;
  const source = options.source ?? FASHION_MNIST_DIR;
  const subset = classSubset(options.classes);
  const itemScale = options.itemScale ?? DEFAULT_ITEM_SCALE;
  if (!(Number.isInteger(size) && size >= 32)) throw new Error(`--size must be an integer of at least 32, got ${size}`);
  if (!(itemScale.length === 2 && itemScale[0] > 0 && itemScale[0] <= itemScale[1] && itemScale[1] <= 1)) {
    throw new Error(`--item-scale must be MIN,MAX with 0 < MIN <= MAX <= 1, got ${itemScale.join(',')}`);
  }
  const wanted: Record<SplitName, number> = {
    train: options.train ?? 2000,
    val: options.val ?? 500,
    test: options.test ?? 500,
  };
  for (const [name, count] of Object.entries(wanted)) {
    if (!(Number.isInteger(count) && count >= 0))
      throw new Error(`--${name} must be a non-negative integer, got ${count}`);
  }
  const official = await readSplit(source, 'train');
  const t10k = await readSplit(source, 't10k');
  const trainItems = itemsOf(official.labels, official.n, subset?.map ?? null);
  const testItems = itemsOf(t10k.labels, t10k.n, subset?.map ?? null);
  if (wanted.train + wanted.val > trainItems.length)
    throw new Error(`--train + --val must be at most ${trainItems.length}`);
  if (wanted.test > testItems.length) throw new Error(`--test must be at most ${testItems.length}`);
  // One draw from the official train split, cut in two, keeps train and val items disjoint.
  const fromTrain = pick(trainItems, wanted.train + wanted.val, Random.stream(seed, 0, 0));
  const splits: Split[] = [
    { name: 'train', images: official.images, labels: official.labels, items: fromTrain.slice(0, wanted.train) },
    { name: 'val', images: official.images, labels: official.labels, items: fromTrain.slice(wanted.train) },
    {
      name: 'test',
      images: t10k.images,
      labels: t10k.labels,
      items: pick(testItems, wanted.test, Random.stream(seed, 2, 0)),
    },
  ];
  const width = duplicate ? 2 * size : size;
  const total = wanted.train + wanted.val + wanted.test;
  let done = 0;
  await mkdir(join(options.out, 'metadata'), { recursive: true });
  const classes = subset?.classes ?? FASHION_CLASSES;
  await writeFile(
    join(options.out, 'metadata', 'classes.txt'),
    `${classes.map((c) => `${c.id} ${c.name}`).join('\n')}\n`,
  );

  for (const split of splits) {
    const chosen = split.items;
    const rows = {
      ids: [] as string[],
      labels: [] as string[],
      sizes: [] as string[],
      boxes: [] as string[],
      items: [] as string[],
    };
    await mkdir(join(options.out, 'images', split.name), { recursive: true });
    await forEachLimited(chosen, 8, async (itemIndex, k) => {
      const scene = fashionLocScene(split.images, itemIndex, size, sceneRandom(seed, split.name, k), itemScale);
      const { pixels, boxes } = duplicate
        ? sideBySide(scene.pixels, size, scene.box)
        : { pixels: scene.pixels, boxes: [scene.box] };
      const id = `${split.name}/${String(k).padStart(6, '0')}.png`;
      await sharp(pixels, { raw: { width, height: size, channels: 3 } })
        .png({ compressionLevel: 3 })
        .toFile(join(options.out, 'images', id));
      rows.ids[k] = id;
      rows.items[k] = `${id},${itemIndex}`;
      const label = split.labels[itemIndex]!;
      rows.labels[k] = `${id},${subset ? subset.map.get(label)! : label}`;
      rows.sizes[k] = `${id},${width},${size}`;
      rows.boxes[k] = boxes.map((b) => `${id},${b.x0},${b.y0},${b.x1},${b.y1}`).join('\n');
      options.onProgress?.(++done, total);
    });
    const dir = join(options.out, 'metadata', split.name);
    await mkdir(dir, { recursive: true });
    const lines = (list: string[]) => (list.length ? `${list.join('\n')}\n` : '');
    await writeFile(join(dir, 'image_ids.txt'), lines(rows.ids));
    await writeFile(join(dir, 'class_labels.txt'), lines(rows.labels));
    await writeFile(join(dir, 'image_sizes.txt'), lines(rows.sizes));
    await writeFile(join(dir, 'localization.txt'), lines(rows.boxes));
    // Provenance (not part of the wsolevaluation format): the official Fashion-MNIST index of each item.
    await writeFile(join(dir, 'source_items.txt'), lines(rows.items));
  }
  const summary: FashionLocSummary = { out: options.out, counts: wanted, width, height: size };
  await writeFile(
    join(options.out, 'metadata', 'generator.json'),
    `${JSON.stringify(
      {
        generator: 'casm-native data fashion-loc',
        size,
        duplicate,
        seed,
        classes: classes.map((c) => c.id),
        itemScale,
        ...wanted,
      },
      null,
      2,
    )}\n`,
  );
  return summary;
}

const SPLIT_STREAMS: Record<SplitName, number> = { train: 0, val: 1, test: 2 };

/** The random stream of scene `k` of a split: scenes do not depend on each other or on counts. */
export function sceneRandom(seed: number, split: SplitName, k: number): Random {
  return Random.stream(seed, SPLIT_STREAMS[split], 1, k);
}

export const DEFAULT_ITEM_SCALE: readonly [number, number] = [0.3, 0.6];

/** Scene of official item `itemIndex` of `images` (n×28×28), with clutter from another item. */
export function fashionLocScene(
  images: Uint8Array,
  itemIndex: number,
  size: number,
  rng: Random,
  itemScale: readonly [number, number] = DEFAULT_ITEM_SCALE,
): Scene {
  const itemBytes = ITEM_SIDE * ITEM_SIDE;
  const n = images.length / itemBytes;
  const other = rng.int(n);
  return drawScene(
    images.subarray(itemIndex * itemBytes, (itemIndex + 1) * itemBytes),
    images.subarray(other * itemBytes, (other + 1) * itemBytes),
    size,
    rng,
    itemScale,
  );
}

/** Two copies of a size×size scene side by side, with one box per copy. */
export function sideBySide(scene: Uint8Array, size: number, box: Box): { pixels: Uint8Array; boxes: Box[] } {
  const pixels = new Uint8Array(2 * size * size * 3);
  for (let y = 0; y < size; y++) {
    const row = scene.subarray(y * size * 3, (y + 1) * size * 3);
    pixels.set(row, y * 2 * size * 3);
    pixels.set(row, (y * 2 * size + size) * 3);
  }
  return { pixels, boxes: [box, { x0: box.x0 + size, y0: box.y0, x1: box.x1 + size, y1: box.y1 }] };
}
