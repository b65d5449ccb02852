#!/usr/bin/env bash
# Issue #21 item 2 on a dataset of our own that differs from the demo (3 other Fashion-MNIST classes,
# 160 px scenes, items 50–80% of the side, 1200 training images): default flags plus
# --pretrain-epochs, the authors' objective (out) against masked-in + masked-out (in-out), three
# seeds. Each seed's two runs go side by side, one thread each, so both see the same machine.
# Run from a checkout (after bash scripts/setup.sh); writes DIR/{out,in-out}-sN and DIR/summary.txt.
set -euo pipefail
dir="${1:?usage: run.sh DIR [SEEDS]}"
seeds="${2:-0 1 2}"
data="$dir/data"
[ -d "$data/metadata" ] || npx casm-native data fashion-loc --out "$data" --size 160 --train 1200 --val 200 \
  --test 300 --classes pullover,sneaker,dress --item-scale 0.5,0.8 --seed 12
for s in $seeds; do
  for objective in out in-out; do
    run="$dir/$objective-s$s"
    [ -f "$run/localization.json" ] && continue
    rm -rf "$run"
    npx casm-native train --data "$data" --score-split test --pretrain-epochs 4 --objective "$objective" \
      --seed "$s" --threads 1 --out "$run" > "$run.log" 2>&1 &
  done
  wait
done
for f in "$dir"/*.log; do
  echo "== $(basename "$f" .log)"
  grep -E '^  (method|CASM|CAM|Grad-CAM|centre box) ' "$f"
done | tee "$dir/summary.txt"
