#!/usr/bin/env bash
# Rebuilds every committed prebuilt variant from the current sources, then checks each one:
#   torch1.13-cpu    Debian's libtorch-dev 1.13          (apt install libtorch-dev)
#   torch2.13-cpu    PyTorch 2.13.0 (CPU) from pip        (.cache/venv/torch2.13-cpu)
#   torch2.14-cu130  PyTorch 2.14.1 (CUDA 13.0) from pip  (.cache/venv/torch2.14-cu130, ~5 GB)
# Run it after any change to what scripts/source-hash.mjs covers (native/, binding/, CMakeLists.txt,
# the build scripts); test/unit/prebuild-freshness.test.ts fails until then. Then commit prebuilds/.
#
# Each variant has its own build folder (build-prebuild/<variant>, kept), so a rerun recompiles
# only what changed. Runs at the lowest CPU priority: the machine is shared.
# Usage: scripts/prebuild-all.sh [VARIANT...]   (default: all three)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
renice -n "${CASM_PREBUILD_NICE:-19}" $$ >/dev/null  # CASM_PREBUILD_NICE=0 on a machine of its own

all=(torch1.13-cpu torch2.13-cpu torch2.14-cu130)
if [[ $# -gt 0 ]]; then variants=("$@"); else variants=("${all[@]}"); fi
multiarch="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"

# The LibTorch of a variant, as environment assignments for `env`.
libtorch_env() {
  case "$1" in
    torch1.13-cpu)
      local dir="/usr/lib/$multiarch/cmake/Torch"
      [[ -f "$dir/TorchConfig.cmake" ]] || { echo "prebuild-all: $1 needs Debian's libtorch-dev ($dir)" >&2; return 1; }
      echo "Torch_DIR=$dir" ;;
    torch2.13-cpu) echo "LIBTORCH=$(bash scripts/torch-venv.sh torch2.13-cpu 2.13.0)" ;;
    torch2.14-cu130) echo "LIBTORCH=$(bash scripts/torch-venv.sh torch2.14-cu130 2.14.1)" ;;
    *) echo "prebuild-all: unknown variant $1 (known: ${all[*]})" >&2; return 1 ;;
  esac
}

[[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error
npm run --silent build:ts

start=$SECONDS
for variant in "${variants[@]}"; do
  assignment="$(libtorch_env "$variant")"
  echo "=== $variant ($assignment)" >&2
  t0=$SECONDS
  # Only the variant's own LibTorch may be visible to the build.
  dest="$(env -u LIBTORCH -u Torch_DIR -u CMAKE_PREFIX_PATH "$assignment" \
    CASM_PREBUILD_BUILD_DIR="build-prebuild/$variant" bash scripts/prebuild.sh)"
  if [[ "$(basename "$dest")" != "$variant" ]]; then
    echo "prebuild-all: building for $variant produced $dest: wrong LibTorch?" >&2
    exit 1
  fi

  # The binary must load, run the reference vectors and describe itself; a CUDA build on a
  # machine without a GPU must say so rather than fail.
  check_env=(env -u LIBTORCH -u Torch_DIR -u CMAKE_PREFIX_PATH "$assignment"
    CASM_NATIVE_BINARY="$root/$dest/casm-native.node" CASM_NATIVE_CACHE_DIR="$root/build-prebuild/load-checks")
  doctor="$("${check_env[@]}" node dist/cli/main.js doctor)"
  grep -q "^cuda " <<<"$doctor" || { echo "$doctor" >&2; echo "prebuild-all: doctor printed no cuda line" >&2; exit 1; }
  echo "$doctor" | grep -E '^(libtorch|cuda) ' >&2 || true
  "${check_env[@]}" node dist/cli/main.js conformance test/conformance-vectors/step | tail -1 >&2
  echo "=== $variant: $dest in $((SECONDS - t0)) s" >&2
done
echo "prebuild-all: ${#variants[@]} variant(s) in $((SECONDS - start)) s; commit prebuilds/" >&2
