// Makes a prebuilt addon find the LibTorch that was detected, not the one on its build machine.
//
// A prebuild carries an RUNPATH to LibTorch's folder on the machine that built it; elsewhere that
// folder is missing or holds another LibTorch. The dynamic linker satisfies a NEEDED entry with an
// already-loaded library of the same SONAME before it searches any path, so loading the detected
// libc10/libtorch_cpu/libtorch first (in dependency order) makes the addon bind to exactly those.
// LD_LIBRARY_PATH cannot do this: it is read once, when the process starts.
//
// process.dlopen is Node's only dlopen. For a library that is not an addon it throws "did not
// self-register" and closes the handle; RTLD_NODELETE keeps the library mapped regardless.
// The child-process load test (load-probe.ts) repeats these few lines in its own script.
import { constants } from 'node:os';

/** glibc's RTLD_NODELETE; Node's os.constants.dlopen does not list it. */
export const RTLD_NODELETE = 0x1000;

export function preloadLibraries(paths: string[]): void {
  for (const path of paths) {
    try {
      process.dlopen({ exports: {} } as NodeJS.Module, path, constants.dlopen.RTLD_NOW | RTLD_NODELETE);
    } catch (e) {
      const message = (e as Error).message;
      if (!message.includes('did not self-register')) throw new Error(`cannot preload ${path}: ${message}`);
    }
  }
}
