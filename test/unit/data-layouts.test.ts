// Every dataset layout read from real folders of generated images.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat, loadDataset } from '../../src/data/load.js';
import { makeTempDir, writeClassImage, writeText } from './data-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTempDir('layouts')));
afterAll(async () => cleanup());

const wnids = ['n01440764', 'n01443537', 'n01484850'];

function vocXml(
  name: string,
  width: number,
  height: number,
  objects: Array<[string, number, number, number, number]>,
): string {
  const body = objects
    .map(
      ([cls, x0, y0, x1, y1]) =>
        `<object><name>${cls}</name><bndbox><xmin>${x0}</xmin><ymin>${y0}</ymin><xmax>${x1}</xmax><ymax>${y1}</ymax></bndbox></object>`,
    )
    .join('\n');
  return `<annotation><filename>${name}</filename><size><width>${width}</width><height>${height}</height><depth>3</depth></size>\n${body}\n</annotation>\n`;
}

async function imagenetTrain(root: string): Promise<void> {
  // Written out of order on purpose: the class index must follow sorted wnids.
  for (const [w, files] of [
    [wnids[2]!, ['z.JPEG']],
    [wnids[0]!, ['a.JPEG', 'b.jpeg']],
    [wnids[1]!, ['c.JPEG']],
  ] as const) {
    for (const file of files) await writeClassImage(join(root, 'train', w, file), wnids.indexOf(w));
  }
  await writeText(join(root, 'train', wnids[0]!, 'notes.txt'), 'not an image');
  await writeText(
    join(root, 'LOC_synset_mapping.txt'),
    `${wnids[0]} tench, Tinca tinca\n${wnids[1]} goldfish\n${wnids[2]} great white shark\n`,
  );
}

describe('ImageNet folders', () => {
  it('reads train/<wnid>/ with sorted class indices and synset names', async () => {
    const root = join(dir, 'imagenet-csv');
    await imagenetTrain(root);
    expect(await detectFormat(root, 'train')).toBe('imagenet');
    const ds = await loadDataset({ data: root, split: 'train' });
    expect(ds.classIds).toEqual(wnids);
    expect(ds.classNames).toEqual(['tench, Tinca tinca', 'goldfish', 'great white shark']);
    expect(ds.samples.map((s) => [s.path.slice(root.length + 1), s.label])).toEqual([
      [`train/${wnids[0]}/a.JPEG`, 0],
      [`train/${wnids[0]}/b.jpeg`, 0],
      [`train/${wnids[1]}/c.JPEG`, 1],
      [`train/${wnids[2]}/z.JPEG`, 2],
    ]);
    expect(ds.skipped).toEqual([]);
  });

  it('reads a flat val/ labelled by LOC_val_solution.csv', async () => {
    const root = join(dir, 'imagenet-csv');
    for (let i = 1; i <= 3; i++) await writeClassImage(join(root, 'val', `ILSVRC2012_val_0000000${i}.JPEG`), i - 1);
    await writeText(
      join(root, 'LOC_val_solution.csv'),
      [
        'ImageId,PredictionString',
        `ILSVRC2012_val_00000001,${wnids[0]} 1 2 30 20 `,
        `ILSVRC2012_val_00000002,${wnids[1]} 0 0 10 10 ${wnids[1]} 5 6 40 30`,
        `ILSVRC2012_val_00000003,${wnids[2]} 3 4 20 25`,
      ].join('\n'),
    );
    const ds = await loadDataset({ data: root, split: 'val' });
    expect(ds.classIds).toEqual(wnids); // from train/, shared by every split
    expect(ds.samples.map((s) => s.label)).toEqual([0, 1, 2]);
    expect(ds.samples[0]!.boxes).toEqual([{ x0: 1, y0: 2, x1: 30, y1: 20 }]);
    expect(ds.samples[1]!.boxes).toEqual([
      { x0: 0, y0: 0, x1: 10, y1: 10 },
      { x0: 5, y0: 6, x1: 40, y1: 30 },
    ]);
    expect(ds.samples[2]!.origin).toBe(`${join(root, 'LOC_val_solution.csv')}:4`);
  });

  it('reads a sorted val/ with per-image XML, keeping only boxes of the image class', async () => {
    const root = join(dir, 'imagenet-xml');
    await imagenetTrain(root);
    await writeClassImage(join(root, 'val', wnids[1]!, 'ILSVRC2012_val_00000010.JPEG'), 1);
    await writeClassImage(join(root, 'val', wnids[2]!, 'ILSVRC2012_val_00000011.JPEG'), 2);
    const xmlDir = join(root, 'ILSVRC2012_bbox_val_v3', 'val');
    await writeText(
      join(xmlDir, 'ILSVRC2012_val_00000010.xml'),
      vocXml('ILSVRC2012_val_00000010', 48, 40, [
        [wnids[1]!, 2, 3, 20, 30],
        [wnids[0]!, 0, 0, 5, 5],
      ]),
    );
    await writeText(
      join(xmlDir, 'ILSVRC2012_val_00000011.xml'),
      vocXml('ILSVRC2012_val_00000011', 48, 40, [[wnids[2]!, 10, 10, 48, 40]]),
    );
    const ds = await loadDataset({ data: root, split: 'val' });
    expect(ds.samples.map((s) => s.label)).toEqual([1, 2]);
    expect(ds.samples[0]!.boxes).toEqual([{ x0: 2, y0: 3, x1: 20, y1: 30 }]);
    expect([ds.samples[0]!.width, ds.samples[0]!.height]).toEqual([48, 40]);
    expect(ds.samples[1]!.boxes).toEqual([{ x0: 10, y0: 10, x1: 48, y1: 40 }]);
  });

  it('reads a flat val/ labelled by the XML folder', async () => {
    const root = join(dir, 'imagenet-flat-xml');
    await imagenetTrain(root);
    await writeClassImage(join(root, 'val', 'ILSVRC2012_val_00000020.JPEG'), 2);
    await writeText(
      join(root, 'ILSVRC2012_bbox_val_v3', 'val', 'ILSVRC2012_val_00000020.xml'),
      vocXml('x', 48, 40, [[wnids[2]!, 1, 1, 9, 9]]),
    );
    const ds = await loadDataset({ data: root, split: 'val' });
    expect(ds.samples).toHaveLength(1);
    expect(ds.samples[0]!.label).toBe(2);
    expect(ds.samples[0]!.boxes).toEqual([{ x0: 1, y0: 1, x1: 9, y1: 9 }]);
  });
});

describe('wsolevaluation metadata', () => {
  it('reads ids, labels, sizes and several boxes per image, for the chosen split', async () => {
    const root = join(dir, 'wsol');
    const meta = (split: string, file: string, lines: string[]) =>
      writeText(join(root, 'metadata', split, file), `${lines.join('\n')}\n`);
    await writeClassImage(join(root, 'images', 'train', 'a.png'), 0);
    await writeClassImage(join(root, 'images', 'test', 'b.png'), 1);
    await writeClassImage(join(root, 'images', 'test', 'c.png'), 3);
    await meta('train', 'image_ids.txt', ['train/a.png']);
    await meta('train', 'class_labels.txt', ['train/a.png,0']);
    await meta('test', 'image_ids.txt', ['test/b.png', 'test/c.png']);
    await meta('test', 'class_labels.txt', ['test/b.png,1', 'test/c.png,3']);
    await meta('test', 'image_sizes.txt', ['test/b.png,48,40', 'test/c.png,48,40']);
    await meta('test', 'localization.txt', ['test/b.png,1,2,10,20', 'test/b.png,30,5,47,39', 'test/c.png,0,0,48,40']);
    expect(await detectFormat(root, 'test')).toBe('wsol');
    const test = await loadDataset({ data: root, split: 'test' });
    expect(test.classIds).toEqual(['0', '1', '2', '3']); // no classes.txt: numbered up to the highest label
    expect(test.samples.map((s) => [s.path, s.label])).toEqual([
      [join(root, 'images', 'test', 'b.png'), 1],
      [join(root, 'images', 'test', 'c.png'), 3],
    ]);
    expect(test.samples[0]!.boxes).toEqual([
      { x0: 1, y0: 2, x1: 10, y1: 20 },
      { x0: 30, y0: 5, x1: 47, y1: 39 },
    ]);
    expect(test.samples[0]!.width).toBe(48);
    const train = await loadDataset({ data: root, split: 'train' });
    expect(train.classIds).toHaveLength(4);
    expect(train.samples).toHaveLength(1);
    expect(train.samples[0]!.boxes).toEqual([]);
    await writeText(join(root, 'metadata', 'classes.txt'), 'zero Zero\none One one\ntwo\nthree\n');
    const named = await loadDataset({ data: root, split: 'test' });
    expect(named.classIds).toEqual(['zero', 'one', 'two', 'three']);
    expect(named.classNames).toEqual(['Zero', 'One one', 'two', 'three']);
  });
});

describe('JSONL', () => {
  it('reads path, label and optional boxes, relative to the manifest', async () => {
    const root = join(dir, 'jsonl');
    await writeClassImage(join(root, 'img', 'cat1.jpg'), 0);
    await writeClassImage(join(root, 'img', 'dog1.jpg'), 1);
    await writeText(
      join(root, 'train.jsonl'),
      [
        JSON.stringify({ path: 'img/dog1.jpg', label: 'dog', boxes: [[1, 2, 30, 31]] }),
        '',
        JSON.stringify({
          path: 'img/cat1.jpg',
          label: 'cat',
          boxes: [{ x0: 0, y0: 0, x1: 5, y1: 6 }],
          width: 48,
          height: 40,
        }),
      ].join('\n'),
    );
    await writeText(join(root, 'val.jsonl'), `${JSON.stringify({ path: 'img/cat1.jpg', label: 'bird' })}\n`);
    expect(await detectFormat(root, 'train')).toBe('jsonl');
    const ds = await loadDataset({ data: root, split: 'train' });
    expect(ds.classIds).toEqual(['bird', 'cat', 'dog']); // over every manifest in the folder
    expect(ds.samples.map((s) => [s.path, s.label, s.boxes])).toEqual([
      [join(root, 'img', 'dog1.jpg'), 2, [{ x0: 1, y0: 2, x1: 30, y1: 31 }]],
      [join(root, 'img', 'cat1.jpg'), 1, [{ x0: 0, y0: 0, x1: 5, y1: 6 }]],
    ]);
    const direct = await loadDataset({ data: join(root, 'val.jsonl'), split: 'val' });
    expect(direct.samples[0]!.label).toBe(0);
  });

  it('uses classes.txt when present and integer labels index it', async () => {
    const root = join(dir, 'jsonl-int');
    await writeClassImage(join(root, 'a.png'), 0);
    await writeText(join(root, 'classes.txt'), 'c0 first\nc1 second\n');
    await writeText(join(root, 'train.jsonl'), `${JSON.stringify({ path: 'a.png', label: 1 })}\n`);
    const ds = await loadDataset({ data: root, split: 'train' });
    expect(ds.classNames).toEqual(['first', 'second']);
    expect(ds.samples[0]!.label).toBe(1);
  });
});

describe('class selection', () => {
  it('restricts and renumbers with --classes ranges or a file, keeps labels with --subset', async () => {
    const root = join(dir, 'many');
    const lines: string[] = [];
    for (let c = 0; c < 20; c++) {
      await writeClassImage(join(root, `${c}.png`), c, 8, 8);
      lines.push(JSON.stringify({ path: `${c}.png`, label: c }));
    }
    await writeText(
      join(root, 'classes.txt'),
      Array.from({ length: 20 }, (_, c) => `k${String(c).padStart(2, '0')}`).join('\n'),
    );
    await writeText(join(root, 'train.jsonl'), lines.join('\n'));
    const ranged = await loadDataset({ data: root, split: 'train', classes: '2-4,10' });
    expect(ranged.classIds).toEqual(['k02', 'k03', 'k04', 'k10']);
    expect(ranged.samples.map((s) => s.label)).toEqual([0, 1, 2, 3]);
    expect(ranged.samples[3]!.path).toBe(join(root, '10.png'));

    await writeText(join(root, 'pick.txt'), 'k10\nk02 a name\n');
    const filed = await loadDataset({ data: root, split: 'train', classes: join(root, 'pick.txt') });
    expect(filed.classIds).toEqual(['k02', 'k10']);
    await writeText(join(root, 'bad-pick.txt'), 'k99\n');
    await expect(loadDataset({ data: root, split: 'train', classes: join(root, 'bad-pick.txt') })).rejects.toThrow(
      /bad-pick.txt:1: class k99/,
    );

    // 20 classes: A..F = 1,1,2,6,6,4 classes (cumulative 5%,10%,20%,50%,80%,100%).
    const a = await loadDataset({ data: root, split: 'train', subset: 'A' });
    expect(a.samples.map((s) => s.label)).toEqual([0]);
    const bf = await loadDataset({ data: root, split: 'train', subset: 'B-F' });
    expect(bf.samples.map((s) => s.label)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
    expect(bf.classIds).toHaveLength(20);
    const d = await loadDataset({ data: root, split: 'train', subset: 'D' });
    expect(d.samples.map((s) => s.label)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('explains what it looked for when the layout is unknown', async () => {
    await writeText(join(dir, 'empty', 'readme.txt'), 'nothing');
    await expect(loadDataset({ data: join(dir, 'empty'), split: 'val' })).rejects.toThrow(
      /metadata\/val\/.*val\.jsonl.*val\//,
    );
  });
});
