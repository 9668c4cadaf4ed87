#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh TARGET SEEDS WORKDIR — a time-boxed libFuzzer run
# (MFM_FUZZ_SECONDS, default 60) from a copy of the committed seeds and
# of the regression corpus.  Exits
# non-zero on a crash, leak, timeout or memory blow-up; the input is kept in
# WORKDIR/artifacts/.  Longer runs: tools/fuzz.sh.
set -uo pipefail
target=$1 seeds=$2 work=$3
secs=${MFM_FUZZ_SECONDS:-60}
rm -rf "$work/corpus"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$seeds"/* "$work/corpus/"
# every file that once broke a reader is replayed first, in-process
cp "$(dirname "$0")"/regression/* "$work/corpus/"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}:detect_leaks=0 \
  "$target" "$work/corpus" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 2>&1 | tail -25
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
  echo "fuzz: $(basename "$target") found a failure; inputs in $work/artifacts:" >&2
  ls -la "$work/artifacts" >&2
fi
exit "$rc"
