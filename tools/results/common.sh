# tools/results/common.sh — sourced by the per-task scripts: locates the mfm
# binary and the datasets, and times each command.  Not run on its own.
#
# Environment (all optional):
#   MFM      path of the mfm binary        [default: build/app/mfm of this tree]
#   DATASETS directory of the .h5ad files  [default: datasets/ of this tree]
#   STEPS    training steps per model      [default: 800, as mfm demo]
#   THREADS  OpenBLAS threads              [default: 1]
#   MODELS   models trained per held-out item [default: "mfm cgfm fm"]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MFM=${MFM:-$ROOT/build/app/mfm}
DATASETS=${DATASETS:-$ROOT/datasets}
STEPS=${STEPS:-800}
THREADS=${THREADS:-1}
read -r -a MODELS <<<"${MODELS:-mfm cgfm fm}"
[ -x "$MFM" ] || { echo "results: no mfm binary at $MFM (build first: meson setup build && ninja -C build)" >&2; exit 1; }

now() { date +%s.%N; }

# timed LABEL TIMINGS_FILE CMD... — run CMD quietly (its output goes to
# LABEL's log next to TIMINGS_FILE), append "LABEL<TAB>seconds" to
# TIMINGS_FILE and print the wall time.  On failure, print the log tail.
timed() {
  local label=$1 tfile=$2; shift 2
  local log="${tfile%.tsv}.log" t0 t1 rc=0
  t0=$(now)
  echo "### $label: $*" >>"$log"
  "$@" >>"$log" 2>&1 || rc=$?
  t1=$(now)
  if [ $rc -ne 0 ]; then
    echo "results: FAILED ($rc): $label; last lines of $log:" >&2
    tail -5 "$log" >&2
    exit $rc
  fi
  local s
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  printf '%s\t%s\n' "$label" "$s" >>"$tfile"
  printf '  %-48s %7ss\n' "$label" "$s"
}

# eval_perturbation DIR EXPERIMENT_KEY TREATMENT_KEY CONTROL — mfm eval of
# DIR's predictions (those of pred_mfm/pred_cgfm/pred_fm.h5ad that exist)
# beside eval's own baselines (identity, average_effect, train_mean_shift,
# oracle_mean_shift; docs/metrics.md), with bootstrap intervals, into DIR/report.
eval_perturbation() {
  local d=$1 ek=$2 tk=$3 ctl=$4 tf=$1/timings.tsv preds=()
  for m in mfm cgfm fm; do
    [ -f "$d/pred_$m.h5ad" ] && preds+=(--pred "$d/pred_$m.h5ad")
  done
  timed "eval" "$tf" nice "$MFM" eval "${preds[@]}" --truth "$d/observed.h5ad" \
    --out "$d/report" --by "$ek,$tk" --control-key "$tk" --control "$ctl" \
    --split-key split --train-value train --bootstrap 200 --permutations 200
}

# eval_timeseries DIR DATA — mfm eval of DIR's predictions with the
# time-series model DIR/<first of MODELS>: the time key and the baselines
# (previous / next time point, mean and McCann interpolation, oracle) come
# from the model; the truth is the dataset itself (the EMT files are used
# untransformed, so predictions and X share one space), with intervals.
eval_timeseries() {
  local d=$1 data=$2 tf=$1/timings.tsv preds=()
  for m in mfm cgfm fm; do
    [ -f "$d/pred_$m.h5ad" ] && preds+=(--pred "$d/pred_$m.h5ad")
  done
  timed "eval" "$tf" nice "$MFM" eval "${preds[@]}" --model "$d/${MODELS[0]}" --truth "$data" \
    --out "$d/report" --bootstrap 200 --permutations 200
}

# usage_check NAME NARGS_GIVEN — the scripts take OUT_DIR SEED.
usage_check() {
  if [ "$2" -lt 2 ]; then
    echo "usage: $1 OUT_DIR SEED [items...]" >&2
    exit 2
  fi
}
