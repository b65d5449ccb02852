#!/usr/bin/env bash
# Everything a fresh Debian/Ubuntu machine needs, idempotent (a second run only rebuilds what
# changed):
#   - LibTorch: kept if one is found (LIBTORCH, Torch_DIR/CMAKE_PREFIX_PATH, python3's PyTorch,
#     the system); otherwise Debian's libtorch-dev is installed with apt-get
#   - Debian's dataset-fashion-mnist (the base of the built-in demo datasets)
#   - npm ci, the native addon (cmake-js, build/ kept between runs) and the TypeScript
# --test also installs what the test suite uses: Debian's python3-torch (writes real torch.save
# files), chromium (renders the HTML report headless), clang (libFuzzer and sanitizers for
# scripts/fuzz.sh) and nlohmann-json3-dev (the JSON fuzzer's oracle, a header only the fuzzer uses).
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
if have_libtorch; then log "LibTorch found"; else apt_install libtorch-dev; fi
command -v cmake >/dev/null 2>&1 || apt_install cmake
command -v g++ >/dev/null 2>&1 || apt_install g++ make
apt_install dataset-fashion-mnist
if [ $want_test_deps -eq 1 ]; then apt_install python3-torch chromium clang nlohmann-json3-dev; fi

# npm ci only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

log "building the native addon"
npm run --silent build:native
log "building the TypeScript"
npm run --silent build:ts
log "done: $(node dist/cli/main.js doctor | sed -n '3p' | sed 's/  */ /g')"
