#!/usr/bin/env bash
# tools/results/screens.sh OUT_DIR SEED [SEED...]
# Regenerates the "Drug screens" tables of docs/results.md: for each seed,
# screen_design.sh (unseen patients, unseen combinations, unseen dose; MFM,
# CGFM, FM and eval's baselines), then screen_summary.py ->
# OUT_DIR/screen_summary.md and OUT_DIR/screen_{means,wilcoxon}.csv.
# Prints the machine, the load and the wall time.  Environment: see
# common.sh (MFM, STEPS, THREADS); build mfm first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 2 ]; then
  echo "usage: $0 OUT_DIR SEED [SEED...]" >&2
  exit 2
fi
out=$1; shift
mkdir -p "$out"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPU(s); load: $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s)
for seed in "$@"; do
  "$here/screen_design.sh" "$out" "$seed"
done
/usr/bin/python3 "$here/screen_summary.py" "$out" "$out" >"$out/screen_summary.md"
echo "screens: done in $(( $(date +%s) - t0 )) s wall (load now: $(cut -d' ' -f1-3 /proc/loadavg)); tables in $out/screen_summary.md"
