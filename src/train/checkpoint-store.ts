// Where checkpoints live inside a run folder and how they are made durable:
//   <run>/checkpoints/step-0001234/   one folder per checkpoint (native files + state.json), named
//                                     by the CASM step; pretrain-0000120/ during classifier
//                                     pretraining (named by the pretraining step; older than any step-)
//   <run>/checkpoints/latest          the name of the newest complete checkpoint folder
// A checkpoint is written into a temporary sibling folder and renamed into place, then `latest` is
// replaced by rename as well, so a crash at any instant leaves either the old or the new checkpoint
// fully readable. Older folders are pruned only after `latest` points past them.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const CHECKPOINTS_DIR = 'checkpoints';
export const LATEST_POINTER = 'latest';
export const STATE_FILE = 'state.json';
const STEP_DIR = /^(pretrain|step)-(\d{7,})$/;

export type CheckpointPhase = 'pretrain' | 'casm';

export function checkpointName(step: number, phase: CheckpointPhase = 'casm'): string {
  return `${phase === 'pretrain' ? 'pretrain' : 'step'}-${String(step).padStart(7, '0')}`;
}

export function checkpointsRoot(runDir: string): string {
  return path.join(runDir, CHECKPOINTS_DIR);
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/** Writes `text` to `file` so that readers see the old or the new content, never a torn file. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

export interface SavedCheckpoint {
  dir: string;
  step: number;
  pruned: string[];
}

/**
 * Saves one checkpoint with `save(dir)` (which fills an empty folder), publishes it as `latest` and
 * keeps only the newest `keep` checkpoint folders.
 */
export async function saveCheckpoint(
  runDir: string,
  step: number,
  keep: number,
  save: (dir: string) => Promise<void>,
  phase: CheckpointPhase = 'casm',
): Promise<SavedCheckpoint> {
  const root = checkpointsRoot(runDir);
  await fs.mkdir(root, { recursive: true });
  const name = checkpointName(step, phase);
  const finalDir = path.join(root, name);
  const tmpDir = path.join(root, `.${name}.tmp-${process.pid}`);
  await fs.rm(tmpDir, { recursive: true, force: true });
  await save(tmpDir);
  // A checkpoint of the same step can already exist (a resumed run re-saving its starting point);
  // its content is identical by construction, so the old folder is replaced.
  if (await exists(finalDir)) await fs.rm(finalDir, { recursive: true, force: true });
  await fs.rename(tmpDir, finalDir);
  await writeFileAtomic(path.join(root, LATEST_POINTER), `${name}\n`);
  const pruned = await pruneCheckpoints(root, keep, name);
  return { dir: finalDir, step, pruned };
}

/** Checkpoint folders under `root`, oldest first (pretraining ones before CASM ones). */
export async function listCheckpoints(root: string): Promise<{ name: string; step: number; phase: CheckpointPhase }[]> {
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, m: STEP_DIR.exec(name) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null)
    .map((e) => ({
      name: e.name,
      step: Number(e.m[2]),
      phase: (e.m[1] === 'pretrain' ? 'pretrain' : 'casm') as CheckpointPhase,
    }))
    .sort((a, b) => (a.phase === b.phase ? a.step - b.step : a.phase === 'pretrain' ? -1 : 1));
}

async function pruneCheckpoints(root: string, keep: number, latest: string): Promise<string[]> {
  const all = await listCheckpoints(root);
  const doomed = all.slice(0, Math.max(0, all.length - keep)).filter((e) => e.name !== latest);
  for (const e of doomed) await fs.rm(path.join(root, e.name), { recursive: true, force: true });
  // Leftovers of checkpoints that were being written when a process died (ours and the addon's
  // own temporary folders). Nothing of this process is in flight once its save has returned.
  for (const name of await fs.readdir(root)) {
    if (/^\.+(step|pretrain)-\d+.*\.tmp-/.test(name)) {
      await fs.rm(path.join(root, name), { recursive: true, force: true });
    }
  }
  return doomed.map((e) => e.name);
}

/**
 * Turns what a user passes to --resume into a checkpoint folder: a checkpoint folder itself (it has
 * state.json), a run folder (follows checkpoints/latest) or the checkpoints folder.
 */
export async function resolveCheckpointDir(input: string): Promise<string> {
  const dir = path.resolve(input);
  if (await exists(path.join(dir, STATE_FILE))) return dir;
  for (const root of [checkpointsRoot(dir), dir]) {
    const pointer = path.join(root, LATEST_POINTER);
    if (await exists(pointer)) {
      const name = (await fs.readFile(pointer, 'utf8')).trim();
      const target = path.join(root, name);
      if (!STEP_DIR.test(name) || !(await exists(path.join(target, STATE_FILE)))) {
        throw new Error(`${pointer} names '${name}', which is not a complete checkpoint`);
      }
      return target;
    }
  }
  throw new Error(
    `nothing to resume in ${dir}: expected a checkpoint folder (with ${STATE_FILE}) or a run folder with ${CHECKPOINTS_DIR}/${LATEST_POINTER}`,
  );
}

/** The run folder a checkpoint folder belongs to (<run>/checkpoints/step-N or pretrain-N → <run>). */
export function runDirOfCheckpoint(checkpointDir: string): string {
  return path.dirname(path.dirname(path.resolve(checkpointDir)));
}
