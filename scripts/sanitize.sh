#!/usr/bin/env bash
# The addon built with AddressSanitizer + UndefinedBehaviorSanitizer (gcc, the compiler of the
# normal build) into build-asan/, then the native tests run against it. Node and LibTorch are not
# instrumented, so the ASan runtime is preloaded into node and its checks that need every library
# instrumented (leaks at exit, container overflow, new/delete pairing across libraries) are off;
# everything the addon's own code does is checked.
#   scripts/sanitize.sh [vitest args…]      default: test/native
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build-asan
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
npx cmake-js build --out "$OUT" --CDCMAKE_CXX_FLAGS="$SAN -g" --CDCMAKE_SHARED_LINKER_FLAGS="$SAN"
BINARY="$PWD/$OUT/Release/casm_native.node"
[ -f dist/index.js ] || npx tsc -p tsconfig.json
PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
[ $# -gt 0 ] || set -- test/native
env LD_PRELOAD="$PRELOAD" \
  ASAN_OPTIONS="detect_leaks=0:detect_container_overflow=0:alloc_dealloc_mismatch=0:abort_on_error=1:print_summary=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  CASM_NATIVE_BINARY="$BINARY" \
  npx vitest run "$@"
