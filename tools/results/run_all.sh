#!/usr/bin/env bash
# tools/results/run_all.sh OUT_DIR SEED [SEED...]
# Regenerates every number of docs/results.md: for each seed, the
# Bodenmiller leave-one-patient-out, Kang leave-one-cell-type-out and EMT
# leave-one-time-point-out runs (bodenmiller.sh, kang.sh, emt.sh), then the
# tables (summarize.py -> OUT_DIR/summary.md, every value and interval in
# OUT_DIR/metrics_all.csv); solver_check.sh compares the
# default sampler with a tight adaptive one on the first seed's Patient1.  Prints the machine and the
# wall time of every step.  Environment: see common.sh (MFM, DATASETS,
# STEPS, THREADS); build mfm first (meson setup build && ninja -C build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 2 ]; then
  echo "usage: $0 OUT_DIR SEED [SEED...]" >&2
  exit 2
fi
out=$1; shift
mkdir -p "$out"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPU(s); $(uname -sr)"
t0=$(date +%s)
for seed in "$@"; do
  "$here/bodenmiller.sh" "$out" "$seed"
  "$here/kang.sh" "$out" "$seed"
  "$here/emt.sh" "$out" "$seed"
done
"$here/solver_check.sh" "$out" "$1"
/usr/bin/python3 "$here/summarize.py" "$out" --csv "$out/metrics_all.csv" >"$out/summary.md"
echo "run_all: done in $(( $(date +%s) - t0 )) s wall; tables in $out/summary.md"
