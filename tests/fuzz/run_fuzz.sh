#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh TARGET SEEDS WORKDIR — a time-boxed libFuzzer run
# (MFM_FUZZ_SECONDS, default 60) from a copy of the committed seeds and
# of the regression corpus.  Exits
# non-zero on a crash, leak, timeout or memory blow-up; the input is kept in
# WORKDIR/artifacts/.  Longer runs: tools/fuzz.sh.
set -uo pipefail
target=$1 seeds=$2 work=$3
secs=${MFM_FUZZ_SECONDS:-60}
rm -rf "$work/corpus" "$work/artifacts"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$seeds"/* "$work/corpus/"
# every file that once broke a reader is replayed first, in-process
cp "$(dirname "$0")"/regression/* "$work/corpus/"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}:detect_leaks=0 \
  "$target" "$work/corpus" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 >"$work/log.txt" 2>&1
rc=$?
tail -25 "$work/log.txt"
# The containment child (io/h5probe.c) is a fork of the fuzzer: when libhdf5
# crashes in it, the child's copy of libFuzzer also saves the input to
# artifacts/ before it dies.  Those inputs were contained (the run goes on);
# the input that failed the run is the last one the parent saved.
if [ "$rc" -ne 0 ]; then
  echo "fuzz: $(basename "$target") found a failure: $(grep -o 'Test unit written to .*' \
    "$work/log.txt" | tail -1) (full log: $work/log.txt)" >&2
fi
exit "$rc"
