#!/usr/bin/env bash
# The whole GPU check in one call on the GPU machine (../shared/device/README.md):
#   here:  npm ci && bash ../shared/device/pack.sh
#   there: run(command="bash .device/on-device.sh 'bash scripts/bench/gpu.sh'", carry=[".device"])
# It builds the addon against the machine's PyTorch/LibTorch, runs test/gpu, the fused-step and
# inference benchmarks of casm-native (bf16 and fp32) and, in the same call, our reference
# implementations (scripts/bench/reference: the authors' step in fp32 and the tuned port), an
# end-to-end training run on generated demo data, and the torch<maj.min>-cu<XYZ> prebuild. Results
# go to $OUT (the device tool brings them back): gpu-bench.json, gpu-log.txt, prebuild files.
set -uo pipefail
cd "$(dirname "$0")/../.."

OUT=${OUT:-bench/results/gpu-local}
mkdir -p "$OUT"
LOG="$OUT/gpu-log.txt"
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-16}
export CASM_CONFORMANCE_DIR=${CASM_CONFORMANCE_DIR:-$PWD/test/conformance-vectors}
exec > >(tee -a "$LOG") 2>&1

section() { printf '\n=== %s (%s) ===\n' "$1" "$(date +%T)"; }

section "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'

section "build"
npm run --silent build:native && npm run --silent build:ts || { echo "BUILD FAILED"; exit 1; }
node dist/cli/main.js doctor

section "gpu tests"
npx vitest run test/gpu --reporter=default

section "casm-native benchmarks (resnet50, 224 px, batch 128)"
node scripts/bench/step.mjs --arch resnet50 --size 224 --batch 128 --device cuda --amp --classes 1000 --rounds 1 --steps 30 --warmup 5 --json "$OUT/casm-bf16.json"
node scripts/bench/step.mjs --arch resnet50 --size 224 --batch 128 --device cuda --classes 1000 --rounds 1 --steps 20 --warmup 3 --json "$OUT/casm-fp32.json"

section "reference implementations, same GPU, same call"
python3 scripts/bench/reference/casm_reference.py --variant authors > "$OUT/ref-authors.json"
python3 scripts/bench/reference/casm_reference.py --variant tuned > "$OUT/ref-tuned.json"
if [ "${GPU_BENCH_COMPILE:-0}" = "1" ]; then python3 scripts/bench/reference/casm_reference.py --variant compiled > "$OUT/ref-compiled.json"; fi

section "end-to-end training on generated demo data"
node dist/cli/main.js train --demo --device cuda --amp --arch resnet50 --image-size 128 --batch-size 128 --epochs 1 --json --out /tmp/casm-gpu-run > /tmp/casm-gpu-run.log 2>&1 || echo "training run failed"
tail -5 /tmp/casm-gpu-run.log

section "prebuild"
# $OUT brings back files at most two folders down: the variant folder is copied flat to $OUT/prebuild/.
if bash scripts/prebuild.sh --out /tmp/casm-prebuilds; then
  mkdir -p "$OUT/prebuild" && cp /tmp/casm-prebuilds/linux-x64/*/* "$OUT/prebuild/" && ls /tmp/casm-prebuilds/linux-x64/ > "$OUT/prebuild/variant.txt"
fi

section "table"
node scripts/bench/gpu-table.mjs "$OUT" /tmp/casm-gpu-run.log | tee "$OUT/gpu-table.md"
