// Which model a run ends with. The last step's model is one draw from a noisy trajectory (the mask
// decoder and the classifier chase each other), so when the validation split has boxes the run
// scores its masks there (LE/F1 with the one scorer, src/metrics/localisation-scorer.ts) at every
// epoch end and every --select-every steps, keeps the best model so far in runDir/best/, and ends
// with it: it is what `train` scores at the end and what runDir/model.safetensors holds. The split
// scored at the end (e.g. test) is never looked at for this choice.
//
// The rule (--select-by val-le): lowest validation LE; on a tie the higher F1; on a tie again the
// earlier step (an equal score later is no reason to move). --select-by last keeps the last model.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CHECKPOINTS_DIR, listCheckpoints, STATE_FILE, writeFileAtomic } from './checkpoint-store.js';

/** How a run chooses the model it ends with: best validation LE, or the last step. */
export type SelectBy = 'val-le' | 'last';
/** 'auto': val-le when the validation split has boxes, else last. */
export type SelectByFlag = SelectBy | 'auto';

/** One validation score taken for model selection. */
export interface SelectionScore {
  /** CASM step after which the model was scored. */
  step: number;
  epoch: number;
  images: number;
  LE: number;
  OM: number;
  F1: number;
}

export interface ModelSelectionState {
  best: SelectionScore | null;
}

export const BEST_DIR = 'best';
export const BEST_RECORD = 'best.json';

export function resolveSelectBy(flag: SelectByFlag, validationHasBoxes: boolean): SelectBy {
  if (flag === 'last') return 'last';
  if (flag === 'val-le' && !validationHasBoxes)
    throw new Error(
      '--select-by val-le needs ground-truth boxes in the validation split (--val-split); use --select-by last',
    );
  return validationHasBoxes ? 'val-le' : 'last';
}

/** Whether `candidate` replaces `best` under the val-le rule. */
export function isBetter(candidate: SelectionScore, best: SelectionScore | null): boolean {
  if (!best) return true;
  if (candidate.LE !== best.LE) return candidate.LE < best.LE;
  return candidate.F1 > best.F1;
}

/** runDir/best/step-0000123.safetensors: the weights of the model selected at that step. */
export function bestWeightsFile(runDir: string, step: number): string {
  return path.join(runDir, BEST_DIR, `step-${String(step).padStart(7, '0')}.safetensors`);
}

export class ModelSelection {
  best: SelectionScore | null = null;

  constructor(
    readonly runDir: string,
    /** Steps between scorings inside an epoch (0: epoch ends only). */
    readonly every: number,
  ) {}

  /** Whether the model after `step` is scored (epoch ends always are). */
  due(step: number, epochEnd: boolean): boolean {
    return epochEnd || (this.every > 0 && step % this.every === 0);
  }

  /**
   * Records a score; when it is the best so far, writes the model's weights (`save` writes a file)
   * into runDir/best/ atomically and updates best.json. Returns whether it became the best.
   */
  async consider(score: SelectionScore, save: (file: string) => Promise<void>): Promise<boolean> {
    if (!isBetter(score, this.best)) return false;
    const file = bestWeightsFile(this.runDir, score.step);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = path.join(path.dirname(file), `.tmp-${process.pid}-${path.basename(file)}`);
    await save(tmp);
    await fs.rename(tmp, file);
    this.best = score;
    await writeFileAtomic(
      path.join(this.runDir, BEST_DIR, BEST_RECORD),
      `${JSON.stringify({ ...score, file: path.basename(file) }, null, 2)}\n`,
    );
    await this.prune();
    return true;
  }

  /**
   * Deletes best-model files nothing refers to any more: the current best and the best of every
   * checkpoint still on disk stay (resuming one of those needs its best-so-far weights).
   */
  async prune(): Promise<void> {
    const keep = new Set<number>();
    if (this.best) keep.add(this.best.step);
    for (const step of await checkpointedBestSteps(this.runDir)) keep.add(step);
    const dir = path.join(this.runDir, BEST_DIR);
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      const m = /^step-(\d+)\.safetensors$/.exec(name);
      if ((m && !keep.has(Number(m[1]))) || name.startsWith('.tmp-'))
        await fs.rm(path.join(dir, name), { force: true });
    }
  }

  state(): ModelSelectionState {
    return { best: this.best ? { ...this.best } : null };
  }

  /** Continues from a checkpoint's state; its best-so-far weights must still be on disk. */
  async restore(state: ModelSelectionState | undefined): Promise<void> {
    this.best = state?.best ? { ...state.best } : null;
    if (this.best) {
      const file = bestWeightsFile(this.runDir, this.best.step);
      try {
        await fs.access(file);
      } catch {
        throw new Error(
          `cannot resume: the checkpoint's best model so far (step ${this.best.step}) is missing: ${file}`,
        );
      }
    }
  }
}

/** The best-model steps recorded in the state.json of every checkpoint in the run folder. */
async function checkpointedBestSteps(runDir: string): Promise<number[]> {
  const root = path.join(runDir, CHECKPOINTS_DIR);
  const steps: number[] = [];
  for (const c of await listCheckpoints(root)) {
    try {
      const state = JSON.parse(await fs.readFile(path.join(root, c.name, STATE_FILE), 'utf8')) as {
        selection?: ModelSelectionState;
      };
      if (typeof state.selection?.best?.step === 'number') steps.push(state.selection.best.step);
    } catch {
      // a checkpoint being written or damaged: it refers to nothing we can keep for it
    }
  }
  return steps;
}

/** Checks a state.json's selection field (throws the message of `bad`). */
export function checkSelectionState(value: unknown, bad: (field: string, expected: string, got: unknown) => Error) {
  if (typeof value !== 'object' || value === null) throw bad('selection', 'an object', value);
  const best = (value as { best?: unknown }).best;
  if (best === null) return;
  if (typeof best !== 'object' || best === undefined) throw bad('selection.best', 'an object or null', best);
  for (const k of ['step', 'epoch', 'images', 'LE', 'OM', 'F1']) {
    const v = (best as Record<string, unknown>)[k];
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw bad(`selection.best.${k}`, 'a number ≥ 0', v);
  }
}
