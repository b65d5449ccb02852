#!/usr/bin/env bash
# Everything a fresh Debian/Ubuntu machine needs, idempotent (a second run only rebuilds what
# changed):
#   - LibTorch: kept if one is found (LIBTORCH, Torch_DIR/CMAKE_PREFIX_PATH, python3's PyTorch,
#     the system); otherwise Debian's libtorch-dev is installed with apt-get
#   - Debian's dataset-fashion-mnist (the base of the built-in demo datasets)
#   - Debian's libgloo-dev (Gloo's headers, for data-parallel training)
#   - npm ci, the native addon (cmake-js, build/ kept between runs) and the TypeScript
# --test prepares what the test suite runs against:
#   - PyTorch 2.13 (CPU) from pip in a virtual environment (.cache/venv/torch2.13-cpu, see
#     scripts/torch-venv.sh): build/ is built against it, and vitest.config.ts points LIBTORCH at it
#   - Debian's libtorch-dev 1.13, the oldest LibTorch we support, built into build-torch1.13/
#   - Debian's python3-torch (writes real torch.save files) and chromium (renders the HTML report)
#   - clang (libFuzzer and sanitizers for scripts/fuzz.sh) and nlohmann-json3-dev (the JSON
#     fuzzer's oracle, a header only the fuzzer uses)
#   - clang-format 23.1.3 from pip (.cache/venv/clang-format), for the format check
set -euo pipefail
cd "$(dirname "$0")/.."

want_test_deps=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test_deps=1 ;;
    *) echo "setup.sh: unknown option $arg (only --test)" >&2; exit 2 ;;
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
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: please install ${missing[*]} (no apt-get on this machine)" >&2; exit 1
  fi
  if [ $apt_updated -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Node.js >= 20 is the one thing this script does not install.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then echo "setup.sh: Node.js >= 20 is required (found: $(node -v 2>/dev/null || echo none))" >&2; exit 1; fi

have_libtorch() {
  [ -n "${LIBTORCH:-}" ] && return 0
  [ -n "${Torch_DIR:-}" ] && return 0
  [ -n "${CMAKE_PREFIX_PATH:-}" ] && return 0
  python3 -c "import torch" >/dev/null 2>&1 && return 0
  ls /usr/lib/*/cmake/Torch/TorchConfig.cmake /usr/share/cmake/Torch/TorchConfig.cmake >/dev/null 2>&1 && return 0
  return 1
}
if [ $want_test_deps -eq 1 ]; then
  apt_install libtorch-dev python3-torch chromium
  # Debian's python3 needs python3-venv for `python3 -m venv` (ensurepip).
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_install python3-venv
elif have_libtorch; then log "LibTorch found"
else apt_install libtorch-dev
fi
# Data-parallel training (native/distributed) compiles only with Gloo's headers, which neither
# libtorch-dev nor PyTorch's wheels ship (libtorch-dev is built against Debian's Gloo; a wheel's
# c10d reaches Gloo only through pointers, and scripts/check-distributed.cmake links a use of it).
apt_install libgloo-dev
command -v cmake >/dev/null 2>&1 || apt_install cmake
command -v g++ >/dev/null 2>&1 || apt_install g++ make
apt_install dataset-fashion-mnist
if [ $want_test_deps -eq 1 ]; then apt_install clang nlohmann-json3-dev; fi
# The format check's clang-format, pinned, from pip (scripts/clang-format.sh; test/unit/lint.test.ts).
if [ $want_test_deps -eq 1 ]; then bash scripts/clang-format.sh >/dev/null; fi

# npm ci only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

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
if [ $want_test_deps -eq 1 ]; then
  # The suite's LibTorch: PyTorch 2.13 from pip, unless LIBTORCH names another (vitest.config.ts
  # makes the same choice, so build/ and the tests agree).
  if [ -n "${LIBTORCH:-}" ]; then test_libtorch="$LIBTORCH"; log "LIBTORCH is set: the suite builds and runs against it"
  else test_libtorch="$(bash scripts/torch-venv.sh torch2.13-cpu 2.13.0)"
  fi
  log "building the native addon against $test_libtorch"
  use_build_dir build "$test_libtorch"
  LIBTORCH="$test_libtorch" npm run --silent build:native
  # The floor: Debian's 1.13, in its own build folder, chosen by Torch_DIR whatever python3 has.
  multiarch="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
  log "building the native addon against Debian's LibTorch 1.13 (build-torch1.13/)"
  use_build_dir build-torch1.13 "debian /usr/lib/$multiarch/cmake/Torch"
  env -u LIBTORCH -u CMAKE_PREFIX_PATH Torch_DIR="/usr/lib/$multiarch/cmake/Torch" \
    sh -c 'node node_modules/cmake-js/bin/cmake-js configure --out build-torch1.13 &&
           node node_modules/cmake-js/bin/cmake-js build --out build-torch1.13'
else
  log "building the native addon"
  use_build_dir build "${LIBTORCH:-${Torch_DIR:-${CMAKE_PREFIX_PATH:-found by scripts/find-libtorch.cmake}}}"
  npm run --silent build:native
fi
log "building the TypeScript"
npm run --silent build:ts
# doctor as the tests will see it (with --test: the pip LibTorch the suite runs against).
log "done: $(LIBTORCH="${test_libtorch:-${LIBTORCH:-}}" node dist/cli/main.js doctor | sed -n '3p' | sed 's/  */ /g')"
