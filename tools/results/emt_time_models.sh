#!/usr/bin/env bash
# tools/results/emt_time_models.sh OUT_DIR SEED [DATASET...]
# Issue 14: the time models of --task timeseries on the EMT files, leave one
# time point out (as emt.sh): for every interior time point T, train FM with
# --time-model pairs, field and spline (T left out), predict T from the
# previous time point, and score the predictions and the baselines
# (previous time point, mean interpolation, McCann interpolation) by W1 in
# the data's space and in the standardised space (every feature z-scored
# with the mean and deviation of all cells of the file), with
# tools/results/emt_time_models.py.  DATASET: tigon3d and/or deepruot10d.
# Writes OUT_DIR/emt_tm/seedSEED/DATASET/tT/{pred_*.h5ad,timings.tsv,w1.tsv}.
# TRAIN_ARGS (environment) adds options to every mfm train (e.g. a smaller
# network on a loaded machine); SKIP_W1=1 leaves the scoring out; PY is the
# python3 with anndata and POT (default /usr/bin/python3, Debian's).
source "$(dirname "$0")/common.sh"
usage_check "$0" $#
out=$1 seed=$2; shift 2
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(tigon3d deepruot10d)
for s in "${sets[@]}"; do
  case $s in
    tigon3d) data=$DATASETS/tigon_emt_a549_tgfb1_ae3d.h5ad; levels=(0 0.33333334 1 3 7) ;;
    deepruot10d) data=$DATASETS/deepruot_emt_a549_10d.h5ad; levels=(0 1 2 3) ;;
    *) echo "emt_time_models: unknown dataset '$s' (tigon3d, deepruot10d)" >&2; exit 2 ;;
  esac
  for ((k = 1; k + 1 < ${#levels[@]}; k++)); do
    T=${levels[k]}
    d=$out/emt_tm/seed$seed/$s/t$T
    mkdir -p "$d"
    tf=$d/timings.tsv
    : >"$tf"
    echo "emt_time_models: $s, time $T held out, seed $seed, $STEPS steps"
    for tm in pairs field spline; do
      timed "train $tm" "$tf" nice "$MFM" train "$data" --out "$d/$tm" --model fm \
        --task timeseries --time-key time --holdout-time "$T" --time-model "$tm" \
        --steps "$STEPS" --seed "$seed" --threads "$THREADS" --log-every 200 ${TRAIN_ARGS:-}
      timed "predict $tm" "$tf" nice "$MFM" predict "$d/$tm" "$data" --out "$d/pred_$tm.h5ad" \
        --threads "$THREADS" --clip-negative no --name "$tm"
    done
    [ -n "${SKIP_W1:-}" ] || timed "w1" "$tf" "${PY:-/usr/bin/python3}" "$ROOT/tools/results/emt_time_models.py" "$data" "$T" "$d" pairs field spline
  done
done
