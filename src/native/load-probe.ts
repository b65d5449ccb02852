// Loads a candidate addon in a child Node process before the user's process touches it. A binary
// built for another LibTorch can fail to link, throw, or abort/segfault inside LibTorch's static
// initialisers; only the child dies then, and its exit tells us why.
import { spawnSync } from 'node:child_process';
import type { NativeAddon } from './types.js';

export type AddonVersions = ReturnType<NativeAddon['versions']>;

/** A mapped LibTorch library as the child saw it: enough to notice an upgrade later. */
export interface MappedLib {
  path: string;
  size: number;
  mtimeMs: number;
}

export type ProbeResult = { ok: true; versions: AddonVersions; torchLibs: MappedLib[] } | { ok: false; error: string };

// Self-contained on purpose: it runs under `node -e` where none of our modules can be imported
// (in development they are TypeScript). The preload mirrors preload.ts.
const PROBE_SCRIPT = String.raw`
const fs = require('fs');
const { binary, preload } = JSON.parse(process.argv[1]);
const say = (o) => process.stdout.write('\nCASM_PROBE ' + JSON.stringify(o) + '\n');
try {
  for (const p of preload) {
    try { process.dlopen({ exports: {} }, p, require('os').constants.dlopen.RTLD_NOW | 0x1000); }
    catch (e) { if (!String(e.message).includes('did not self-register')) throw new Error('cannot preload ' + p + ': ' + e.message); }
  }
  const m = { exports: {} };
  process.dlopen(m, binary);
  if (typeof m.exports.versions !== 'function') throw new Error('not a casm-native addon (no versions())');
  const versions = m.exports.versions();
  m.exports.environment();
  const seen = new Set();
  const torchLibs = [];
  for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const path = line.slice(line.indexOf('/'));
    if (line.indexOf('/') < 0 || seen.has(path)) continue;
    if (!/\/lib(c10|torch_cpu|torch)\.so[^/]*$/.test(path)) continue;
    seen.add(path);
    const st = fs.statSync(path);
    torchLibs.push({ path, size: st.size, mtimeMs: st.mtimeMs });
  }
  say({ ok: true, versions, torchLibs });
} catch (e) {
  say({ ok: false, error: String(e && e.message || e).split('\n')[0] });
  process.exitCode = 1;
}
`;

export interface ProbeOptions {
  /** LibTorch libraries to load first (absolute paths, dependency order). */
  preload?: string[];
  timeoutMs?: number;
}

export function probeInChild(binary: string, opts: ProbeOptions = {}): ProbeResult {
  const arg = JSON.stringify({ binary, preload: opts.preload ?? [] });
  const r = spawnSync(process.execPath, ['-e', PROBE_SCRIPT, arg], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = (r.stdout ?? '')
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('CASM_PROBE '));
  if (line) {
    const result = JSON.parse(line.slice('CASM_PROBE '.length)) as ProbeResult;
    if (result.ok && r.status !== 0) {
      return { ok: false, error: `loaded, but the child exited with ${r.signal ?? `code ${r.status}`} afterwards` };
    }
    return result;
  }
  if (r.error) return { ok: false, error: `child process failed: ${r.error.message}` };
  const stderr = (r.stderr ?? '').trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  const how = r.signal ? `was killed by ${r.signal}` : `exited with code ${r.status}`;
  return { ok: false, error: `loading it crashed the child process (it ${how})${stderr ? `: ${stderr}` : ''}` };
}
