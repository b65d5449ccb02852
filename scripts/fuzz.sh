#!/usr/bin/env bash
# Runs every fuzzer for SECONDS each (default 60): the libFuzzer harnesses of the native readers
# (pickle interpreter, safetensors header, JSON parser, zip directory), built with clang and
# -fsanitize=fuzzer,address,undefined, then the JavaScript loop over the TypeScript safetensors
# reader. Seeds come from fuzz/corpus/<name>/ (read-only); the growing corpus, crash artifacts and
# logs go to build-fuzz/. Exits non-zero when any fuzzer finds a crash, leak or property failure.
#   scripts/fuzz.sh [SECONDS] [fuzzer ...]     fuzzers: pickle safetensors json zip safetensors-ts
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
FUZZERS=("$@")
[ ${#FUZZERS[@]} -gt 0 ] || FUZZERS=(pickle safetensors json zip safetensors-ts)
OUT=build-fuzz
CXX=${FUZZ_CXX:-clang++}
mkdir -p "$OUT/artifacts"

build() {  # name, sources…: rebuilt only when a source is newer than the binary
  local name=$1; shift
  local bin="$OUT/${name}_fuzzer"
  local newest
  newest=$(ls -t "$@" native/io/*.h | head -1)
  if [ ! -x "$bin" ] || [ "$newest" -nt "$bin" ]; then
    echo "fuzz: building $bin"
    "$CXX" -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o "$bin" "$@"
  fi
}

status=0
for name in "${FUZZERS[@]}"; do
  case $name in
    pickle) build pickle fuzz/pickle_fuzzer.cpp native/io/pickle_vm.cpp ;;
    safetensors) build safetensors fuzz/safetensors_fuzzer.cpp native/io/safetensors_header.cpp native/io/json_lite.cpp ;;
    json) build json fuzz/json_fuzzer.cpp native/io/json_lite.cpp ;;
    zip) build zip fuzz/zip_fuzzer.cpp native/io/zip_index.cpp ;;
    safetensors-ts)
      [ -f dist/util/safetensors.js ] && [ ! src/util/safetensors.ts -nt dist/util/safetensors.js ] || npx tsc -p tsconfig.json
      if node fuzz/safetensors-ts.fuzz.mjs "$SECONDS_EACH" fuzz/corpus/safetensors "$OUT/artifacts/safetensors-ts" 2>&1 | tee "$OUT/safetensors-ts.log"; then
        :
      else
        status=1
      fi
      continue ;;
    *) echo "fuzz: unknown fuzzer $name" >&2; exit 2 ;;
  esac
  corpus="$OUT/corpus/$name"
  mkdir -p "$corpus" "$OUT/artifacts/$name"
  # -rss_limit_mb: the readers' own limits must keep memory far below this.
  if "$OUT/${name}_fuzzer" "$corpus" "fuzz/corpus/$name" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$name/" > "$OUT/$name.log" 2>&1; then
    echo "fuzz $name: $(grep -E '^#[0-9]+.*DONE' "$OUT/$name.log" | tail -1)"
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$OUT/$name.log" | tr '\n' ' '; echo
  else
    status=1
    echo "fuzz $name: FAILED, see $OUT/$name.log and $OUT/artifacts/$name/" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$OUT/$name.log" | head -5 >&2
  fi
done
exit $status
