#!/usr/bin/env bash
# Everything a fresh Debian/Ubuntu machine needs, idempotent (a second run only redoes what changed).
#
#   bash scripts/setup.sh                 what `npx casm-native train --demo` needs, and no more:
#     - LibTorch: the machine's own if it has one (LIBTORCH, Torch_DIR/CMAKE_PREFIX_PATH, python3's
#       PyTorch, a system install); otherwise the lightest install that a committed prebuild fits:
#       Debian's LibTorch runtime package (e.g. libtorch1.13, no headers), where apt has one
#     - Debian's dataset-fashion-mnist (the base of the built-in demo datasets)
#     - npm ci and the TypeScript
#     - the native addon: the committed prebuild that fits the LibTorch in use, checked by the same
#       loader the CLI uses; a source build only when none fits (then the build tools and LibTorch's
#       headers are installed first). One line says which.
#   --from-source   build the addon from source even when a prebuild fits
#   --test          also what the test suite runs against (after the above):
#     - PyTorch 2.13 (CPU) from pip in .cache/venv/torch2.13-cpu: build/ is built against it, and
#       vitest.config.ts points LIBTORCH at it
#     - PyTorch 2.14.1 (CUDA 13 build, runs on the CPU) in .cache/venv/torch2.14-cu130: the test of
#       the packed tarball load-tests the CUDA prebuild against it
#     - Debian's libtorch-dev 1.13, the oldest LibTorch we support, built into build-torch1.13/
#     - Debian's python3-torch (writes real torch.save files) and chromium (renders the HTML report)
#     - clang with its runtime libraries (libFuzzer and the sanitizers of scripts/fuzz.sh) and
#       nlohmann-json3-dev (the JSON fuzzer's oracle)
#     - clang-format 23.1.3 from pip (.cache/venv/clang-format), for the format check
#     - onnx 1.23.2 from pip (.cache/venv/onnx): ONNX's checker for the exported model files
#     - examples/browser's npm packages (onnxruntime-web, playwright-core) for the browser page's test
set -euo pipefail
cd "$(dirname "$0")/.."

want_test_deps=0
from_source=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test_deps=1 ;;
    --from-source) from_source=1 ;;
    *) echo "setup.sh: unknown option $arg (known: --test, --from-source)" >&2; exit 2 ;;
  esac
done

log() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "setup.sh: need root (or sudo) to run: $*" >&2; exit 1
  fi
}

apt_updated=0
apt_update_once() {
  if [ $apt_updated -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
}
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: please install ${missing[*]} (no apt-get on this machine)" >&2; exit 1
  fi
  apt_update_once
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
# True when apt can install the package (its candidate version is not "(none)").
apt_has() {
  command -v apt-get >/dev/null 2>&1 || return 1
  apt_update_once
  # Not `apt-cache … | grep -q`: grep's early exit can kill apt-cache with SIGPIPE, and pipefail
  # then turns a found package into a missing one.
  local policy
  policy="$(apt-cache policy "$1" 2>/dev/null)"
  [[ "$policy" == *"Candidate: "[0-9]* ]]
}

# Node.js >= 20 is the one thing this script does not install.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then echo "setup.sh: Node.js >= 20 is required (found: $(node -v 2>/dev/null || echo none))" >&2; exit 1; fi

multiarch="$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)"

# A LibTorch the loader will find (src/native/libtorch-detect.ts looks in the same places).
have_libtorch() {
  [ -n "${LIBTORCH:-}" ] && return 0
  [ -n "${Torch_DIR:-}" ] && return 0
  [ -n "${CMAKE_PREFIX_PATH:-}" ] && return 0
  python3 -c "import importlib.util as u, sys; sys.exit(0 if u.find_spec('torch') else 1)" >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/$multiarch/libc10.so*" >/dev/null && return 0
  return 1
}

# The Debian runtime packages (libtorchX.Y) a committed CPU prebuild fits, newest first.
prebuilt_debian_runtimes() {
  local dir
  for dir in prebuilds/linux-*/torch*-cpu; do
    [ -d "$dir" ] || continue
    dir="${dir##*/torch}"
    echo "libtorch${dir%-cpu}"
  done | sort -rV
}

if have_libtorch; then log "LibTorch: the machine's own is used"
else
  runtime=""
  for pkg in $(prebuilt_debian_runtimes); do
    if apt_has "$pkg"; then runtime="$pkg"; break; fi
  done
  if [ -n "$runtime" ]; then
    log "LibTorch: none found; installing Debian's $runtime (the runtime a committed prebuild fits)"
    apt_install "$runtime"
  else
    log "LibTorch: none found and apt has no LibTorch a prebuild fits; installing Debian's libtorch-dev"
    apt_install libtorch-dev
  fi
fi
apt_install dataset-fashion-mnist

if [ $want_test_deps -eq 1 ]; then
  apt_install libtorch-dev python3-torch chromium clang nlohmann-json3-dev
  # clang's fuzzer and sanitizer runtimes are a separate package of the same major version, which
  # --no-install-recommends leaves out (libclang-rt-14-dev on Debian 12, whose clang is 14).
  clang_major="$(clang -dumpversion | cut -d. -f1)"
  apt_install "libclang-rt-${clang_major}-dev"
  # Debian's python3 needs python3-venv for `python3 -m venv` (ensurepip).
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_install python3-venv
  # The format check's clang-format, pinned, from pip (scripts/clang-format.sh; test/unit/lint.test.ts).
  bash scripts/clang-format.sh >/dev/null
  # ONNX's own checker for the exported files (test/native/onnx-export.test.ts), pinned, in a venv.
  onnx_venv="${CASM_VENV_ROOT:-.cache/venv}/onnx"
  if [ "$("$onnx_venv/bin/python" -c 'import onnx; print(onnx.__version__)' 2>/dev/null)" != "1.23.2" ]; then
    log "onnx 1.23.2 into $onnx_venv (the ONNX checker)"
    bash scripts/pip-venv.sh onnx onnx==1.23.2 >/dev/null
  fi
fi

# npm ci only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  # onnxruntime-node (optional: the ONNX runtime) bundles its CPU binaries; its install script
  # would also fetch CUDA files from outside the npm registry, which the CPU runtime never needs.
  ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}" npm ci --no-audit --no-fund --loglevel=error
fi
log "building the TypeScript"
npm run --silent build:ts

# What a source build needs beyond LibTorch's libraries: a compiler, CMake, LibTorch's headers and
# Gloo's (data-parallel training compiles only with Gloo's headers, which neither libtorch-dev nor
# PyTorch's wheels ship).
install_build_tools() {
  command -v cmake >/dev/null 2>&1 || apt_install cmake
  command -v g++ >/dev/null 2>&1 || apt_install g++ make
  apt_install libgloo-dev
  # A system LibTorch known only by its libraries (the runtime package) has no headers.
  if [ -z "${LIBTORCH:-}${Torch_DIR:-}${CMAKE_PREFIX_PATH:-}" ] && compgen -G "/usr/lib/$multiarch/libc10.so*" >/dev/null &&
    ! python3 -c "import torch" >/dev/null 2>&1; then
    apt_install libtorch-dev
  fi
}

# A build folder configured against one LibTorch keeps that install's library paths in CMake's
# cache, and find-libtorch.cmake then refuses the mix: start the folder afresh when the choice of
# LibTorch changed since it was configured.
use_build_dir() {
  local dir="$1" choice="$2"
  if [ -d "$dir" ] && [ "$(cat "$dir/.casm-libtorch-choice" 2>/dev/null)" != "$choice" ]; then
    log "$dir/ was configured for another LibTorch: removing it"
    rm -rf "$dir"
  fi
  mkdir -p "$dir"
  printf '%s\n' "$choice" > "$dir/.casm-libtorch-choice"
}

# The loader's own answer (src/native/addon-decision.ts): what `npx casm-native` will load.
addon_choice() { node scripts/addon-choice.mjs; }

if [ $want_test_deps -eq 1 ]; then
  # The browser example's own packages (onnxruntime-web, and playwright-core that drives Chromium in
  # its test), kept out of the main install.
  if [ ! -f examples/browser/node_modules/.package-lock.json ] ||
    [ examples/browser/package-lock.json -nt examples/browser/node_modules/.package-lock.json ]; then
    log "npm ci in examples/browser"
    npm ci --prefix examples/browser --no-audit --no-fund --loglevel=error
  fi
  install_build_tools
  # The suite's LibTorch: PyTorch 2.13 from pip, unless LIBTORCH names another (vitest.config.ts
  # makes the same choice, so build/ and the tests agree).
  if [ -n "${LIBTORCH:-}" ]; then test_libtorch="$LIBTORCH"; log "LIBTORCH is set: the suite builds and runs against it"
  else test_libtorch="$(bash scripts/torch-venv.sh torch2.13-cpu 2.13.0)"
  fi
  # The CUDA variant's LibTorch, for the load test of the CUDA prebuild (CPU-only here).
  bash scripts/torch-venv.sh torch2.14-cu130 2.14.1 >/dev/null
  log "building the native addon against $test_libtorch"
  use_build_dir build "$test_libtorch"
  LIBTORCH="$test_libtorch" npm run --silent build:native
  # The floor: Debian's 1.13, in its own build folder, chosen by Torch_DIR whatever python3 has.
  log "building the native addon against Debian's LibTorch 1.13 (build-torch1.13/)"
  use_build_dir build-torch1.13 "debian /usr/lib/$multiarch/cmake/Torch"
  env -u LIBTORCH -u CMAKE_PREFIX_PATH Torch_DIR="/usr/lib/$multiarch/cmake/Torch" \
    sh -c 'node node_modules/cmake-js/bin/cmake-js configure --out build-torch1.13 &&
           node node_modules/cmake-js/bin/cmake-js build --out build-torch1.13'
  log "done: $(LIBTORCH="$test_libtorch" addon_choice)"
  exit 0
fi

choice="$(addon_choice)"
case "$choice" in
  prebuild*)
    if [ $from_source -eq 0 ]; then log "addon: $choice (no compile; --from-source builds it instead)"; exit 0; fi ;;
  "local build"*)
    # A build/ someone made on purpose: keep it current (an incremental build).
    from_source=1 ;;
esac
[ $from_source -eq 1 ] || log "addon: no committed prebuild fits ($choice): building from source"
install_build_tools
use_build_dir build "${LIBTORCH:-${Torch_DIR:-${CMAKE_PREFIX_PATH:-found by scripts/find-libtorch.cmake}}}"
npm run --silent build:native
log "addon: $(addon_choice)"
