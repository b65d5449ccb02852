#!/bin/bash
cd /work/main
t0=$(date +%s.%N); uptime
bash scripts/setup.sh; rc1=$?
t1=$(date +%s.%N)
npx casm-native train --demo; rc2=$?
t2=$(date +%s.%N); uptime
echo "TIMING setup_rc=$rc1 demo_rc=$rc2 setup_s=$(python3 -c "print(round($t1-$t0,1))") demo_s=$(python3 -c "print(round($t2-$t1,1))") total_s=$(python3 -c "print(round($t2-$t0,1))")"
