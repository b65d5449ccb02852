// Prints, in one line, which compiled addon `npx casm-native` will load on this machine and why:
// the loader's own decision (dist/native/addon-decision.js), never a source build. setup.sh uses it
// to skip compiling when a committed prebuild fits the LibTorch in use.
//   "prebuild torch1.13-cpu for LibTorch 1.13 CPU from system: /usr/lib/x86_64-linux-gnu"
//   "local build build/Release/casm_native.node for …"     "none: <why each candidate was refused>"
delete process.env.CASM_NATIVE_BUILD_FROM_SOURCE;
const { addonDecision } = await import('../dist/native/loader.js');
const { libtorchLine } = await import('../dist/native/decision-report.js');

const d = addonDecision();
const p = d.picked;
if (p) {
  const what =
    p.kind === 'prebuild' ? `prebuild ${p.variant}` : p.kind === 'build' ? 'local build' : 'CASM_NATIVE_BINARY';
  console.log(
    `${what} ${p.kind === 'prebuild' ? '' : `${p.path} `}for LibTorch ${libtorchLine(d)}`.replace(/ {2,}/g, ' '),
  );
} else {
  const why = d.candidates.filter((c) => c.outcome !== 'missing').map((c) => `${c.variant ?? c.kind}: ${c.reason}`);
  console.log(`none: LibTorch ${libtorchLine(d)}; ${why.join('; ') || 'no candidates'}`);
}
