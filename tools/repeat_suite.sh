#!/usr/bin/env bash
# Runs the default suite N times (default 30), each with its own test order (pytest-randomly's
# --randomly-seed) and its own hypothesis seed, and prints one line per run and a total.
# Usage: tools/repeat_suite.sh [N] [FIRST_SEED]   (logs in ${LOGS:-/tmp/repeat_suite}/)
set -u
n=${1:-30}
first=${2:-1001}
logs=${LOGS:-/tmp/repeat_suite}
mkdir -p "$logs"
failed=0
for ((i = 0; i < n; i++)); do
    seed=$((first + i))
    start=$(date +%s)
    python -m pytest -q -p randomly --randomly-seed="$seed" --hypothesis-seed="$seed" >"$logs/run-$seed.log" 2>&1
    rc=$?
    [ $rc -ne 0 ] && failed=$((failed + 1))
    echo "seed $seed: rc=$rc, $(($(date +%s) - start)) s, $(tail -n 1 "$logs/run-$seed.log")"
done
echo "$((n - failed)) of $n runs passed (seeds $first-$((first + n - 1)))"
[ $failed -eq 0 ]
