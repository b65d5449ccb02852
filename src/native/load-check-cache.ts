// Remembers successful child-process load tests, so a normal run loads its addon without paying
// for a second Node process. An entry is keyed by the binary's sha256, the libraries preloaded for
// it and the Node version, and it is only trusted while every LibTorch library the child had
// mapped still has the same size and mtime: a LibTorch upgrade or a rebuilt addon re-tests.
// Failures are not cached: the next candidate is tried anyway, and a fix should show at once.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AddonVersions, MappedLib } from './load-probe.js';

export interface CachedVerdict {
  versions: AddonVersions;
  torchLibs: MappedLib[];
  checkedAt: string;
}

interface CacheFile {
  format: 1;
  entries: Record<string, CachedVerdict>;
}

/** CASM_NATIVE_CACHE_DIR, else $XDG_CACHE_HOME/casm-native, else ~/.cache/casm-native. */
export function cacheFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.CASM_NATIVE_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'casm-native');
  return join(dir, 'load-checks.json');
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function cacheKey(binarySha: string, preload: string[]): string {
  return [binarySha, preload.join(','), process.version, process.arch].join('|');
}

function readCache(file: string): CacheFile {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (parsed.format === 1 && parsed.entries) return parsed;
  } catch {
    // Missing or damaged: start afresh.
  }
  return { format: 1, entries: {} };
}

function stillSame(lib: MappedLib): boolean {
  try {
    const st = statSync(lib.path);
    return st.size === lib.size && st.mtimeMs === lib.mtimeMs;
  } catch {
    return false;
  }
}

export function lookupVerdict(file: string, key: string): CachedVerdict | null {
  const hit = readCache(file).entries[key];
  if (!hit || hit.torchLibs.length === 0 || !hit.torchLibs.every(stillSame)) return null;
  return hit;
}

export function storeVerdict(file: string, key: string, verdict: CachedVerdict): void {
  try {
    const cache = readCache(file);
    cache.entries[key] = verdict;
    mkdirSync(dirname(file), { recursive: true });
    // Write then rename: concurrent processes never read half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(cache, null, 2));
    renameSync(tmp, file);
  } catch {
    // A read-only home only costs a child process next time.
  }
}
