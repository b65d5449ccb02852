// The training bar on terminals of every reported width, through the real renderer writing to a
// stream that claims to be a TTY of N columns.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { TrainEvent } from '../../src/train/events.js';
import { createProgressRenderer, fitToColumns, formatStepLine } from '../../src/train/progress.js';

const step = {
  type: 'step',
  epoch: 0,
  epochs: 2,
  batch: 3,
  batches: 4,
  step: 4,
  totalSteps: 8,
  imagesPerSecond: 12.5,
  etaSeconds: 30,
  stats: {
    lossClean: 1,
    lossMasked: 2,
    lossMapping: 3,
    correctClean: 2,
    correctMasked: 1,
    batchSize: 4,
    maskMean: 0.5,
    maskStd: 0.1,
    decoderGradNorm: 1,
    finite: true,
    skipped: [],
  },
} as unknown as Extract<TrainEvent, { type: 'step' }>;

function terminal(columns: number | undefined): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns });
  return { stream, text: () => text };
}

describe('bar width', () => {
  const full = formatStepLine(step);

  it.each([0, undefined])('a terminal reporting %s columns gets the whole line, last character included', (columns) => {
    const t = terminal(columns);
    createProgressRenderer('bar', t.stream)(step);
    expect(t.text()).toBe(`\r${full}\x1b[K`);
  });

  it('a narrow terminal gets the line cut one column short of its width', () => {
    const t = terminal(40);
    createProgressRenderer('bar', t.stream)(step);
    expect(t.text()).toBe(`\r${full.slice(0, 39)}\x1b[K`);
    expect(fitToColumns(full, full.length + 1)).toBe(full);
    expect(fitToColumns(full, full.length)).toBe(full.slice(0, -1));
  });
});
