#!/usr/bin/env bash
# Builds the addon against the LibTorch in use and stores it as a prebuilt variant:
#   prebuilds/<platform>-<arch>/torch<maj.min>-<cpu|cuXYZ>/casm-native.node + manifest.json
# LibTorch is found as in scripts/find-libtorch.cmake (LIBTORCH env, Torch_DIR/CMAKE_PREFIX_PATH,
# python3's PyTorch, the system). The variant name and the manifest come from the built addon's own
# versions(), so they describe what was really linked, not what we hoped to find.
#
# Usage: scripts/prebuild.sh [--out DIR]   (default DIR: prebuilds)
# Env:   CASM_PREBUILD_BUILD_DIR  cmake-js build folder (default build-prebuild; kept between runs
#                                 so a rebuild is incremental; never build/, which is the developers')
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

out_root="prebuilds"
if [[ "${1:-}" == "--out" ]]; then out_root="$2"; fi
build_dir="${CASM_PREBUILD_BUILD_DIR:-build-prebuild}"

for tool in node readelf objdump sha256sum; do
  command -v "$tool" >/dev/null || { echo "prebuild: $tool is required" >&2; exit 1; }
done

echo "prebuild: building in $build_dir" >&2
# configure every time: cmake-js alone would reuse a build folder configured for another LibTorch.
node node_modules/cmake-js/bin/cmake-js configure --out "$build_dir" >&2
node node_modules/cmake-js/bin/cmake-js build --out "$build_dir" >&2
binary="$build_dir/Release/casm_native.node"
[[ -f "$binary" ]] || { echo "prebuild: $binary was not produced" >&2; exit 1; }

# Ask the addon what it was linked against (this also proves it loads on the build machine).
versions_json="$(node -e 'const m = require(process.argv[1]); process.stdout.write(JSON.stringify(m.versions()))' "$root/$binary")"

# The RUNPATH cmake baked in: LibTorch's lib dir on this machine. Elsewhere the loader preloads the
# detected LibTorch instead, so the manifest lists the LibTorch libraries the addon needs by name.
runpath="$(readelf -d "$binary" | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]/\2/p' | head -1)"
needed="$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
# glibc / libstdc++ floors: the newest symbol versions the addon itself imports.
glibc_floor="$(objdump -T "$binary" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -1)"
glibcxx_floor="$(objdump -T "$binary" | grep -o 'GLIBCXX_[0-9][0-9.]*' | sed 's/GLIBCXX_//' | sort -Vu | tail -1)"
sha="$(sha256sum "$binary" | cut -d' ' -f1)"
platform="$(node -p 'process.platform + "-" + process.arch')"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
# What the freshness test compares with the checkout (scripts/source-hash.mjs).
source_hash="$(node scripts/source-hash.mjs "$root")"

manifest="$(VERSIONS="$versions_json" RUNPATH="$runpath" NEEDED="$needed" GLIBC="$glibc_floor" \
  GLIBCXX="$glibcxx_floor" SHA="$sha" PLATFORM="$platform" COMMIT="$commit" SOURCE_HASH="$source_hash" node -e '
  const e = process.env;
  const v = JSON.parse(e.VERSIONS);
  const [major, minor] = String(v.libtorch).split(".");
  // "13.0 (13000)" -> cu130, "12.8 (12080)" -> cu128; a CPU build reports no CUDA version.
  const cuda = v.cuda ? String(v.cuda).match(/^(\d+)\.(\d+)/) : null;
  if (v.cuda && !cuda) throw new Error(`prebuild: unreadable CUDA version ${v.cuda}`);
  const flavour = cuda ? `cu${cuda[1]}${cuda[2]}` : "cpu";
  const manifest = {
    variant: `torch${major}.${minor}-${flavour}`,
    platform: e.PLATFORM,
    libtorch: v.libtorch,
    cuda: cuda ? `${cuda[1]}.${cuda[2]}` : null,
    cudnn: v.cudnn || null,
    cxx11Abi: v.abi,
    addonVersion: v.addon,
    napiVersion: 8,
    glibcFloor: e.GLIBC || null,
    glibcxxFloor: e.GLIBCXX || null,
    sha256: e.SHA,
    libtorchLibDir: e.RUNPATH || null,
    needed: e.NEEDED.split("\n").filter(Boolean),
    sourceHash: e.SOURCE_HASH,
    builtFrom: e.COMMIT,
    builtAt: new Date().toISOString(),
  };
  process.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
')"
variant="$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).variant)' "$manifest")"

dest="$out_root/$platform/$variant"
mkdir -p "$dest"
cp "$binary" "$dest/casm-native.node"
printf '%s' "$manifest" > "$dest/manifest.json"
echo "prebuild: wrote $dest ($(du -h "$dest/casm-native.node" | cut -f1))" >&2
echo "$dest"
