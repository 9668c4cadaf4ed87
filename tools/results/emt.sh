#!/usr/bin/env bash
# tools/results/emt.sh OUT_DIR SEED [DATASET...]
# EMT time series (A549, TGFB1), leave one time point out: for every interior
# time point T of the 3-d TIGON file (days 0, 1/3, 1, 3, 7) and the 10-d
# DeepRUOT file (0, 1, 2, 3), train MFM, CGFM and FM on consecutive pairs with
# T left out (the pair around it is trained across the gap), predict T from
# the previous time point (integrating the gap flow to T's fraction of the
# gap), and evaluate beside eval's time-series baselines (previous and next
# time point, mean and McCann interpolation of the neighbours, oracle).
# DATASET is tigon3d and/or deepruot10d (default both).
# Writes OUT_DIR/emt/seedSEED/DATASET/tT/{report/,timings.tsv,...}.
# The time models (--time-model pairs / field / spline, issue 14) on the same
# held-out times: tools/results/emt_time_models.sh.
source "$(dirname "$0")/common.sh"
usage_check "$0" $#
out=$1 seed=$2; shift 2
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(tigon3d deepruot10d)
t_all=$(now)
for s in "${sets[@]}"; do
  case $s in
    # the time levels exactly as mfm prints them (mfm info / error messages)
    tigon3d) data=$DATASETS/tigon_emt_a549_tgfb1_ae3d.h5ad; levels=(0 0.33333334 1 3 7) ;;
    deepruot10d) data=$DATASETS/deepruot_emt_a549_10d.h5ad; levels=(0 1 2 3) ;;
    *) echo "emt: unknown dataset '$s' (tigon3d, deepruot10d)" >&2; exit 2 ;;
  esac
  for ((k = 1; k + 1 < ${#levels[@]}; k++)); do
    T=${levels[k]} prev=${levels[k - 1]}
    d=$out/emt/seed$seed/$s/t$T
    mkdir -p "$d"
    tf=$d/timings.tsv
    : >"$tf"
    echo "emt: $s, time $T held out (predicted from $prev), seed $seed, $STEPS steps"
    for m in "${MODELS[@]}"; do
      timed "train $m" "$tf" "$MFM" train "$data" --out "$d/$m" --model "$m" \
        --task timeseries --time-key time --holdout-time "$T" \
        --steps "$STEPS" --seed "$seed" --threads "$THREADS" --log-every 200
      truth=()
      [ $m = mfm ] && truth=(--truth-out "$d/observed.h5ad")
      timed "predict $m" "$tf" "$MFM" predict "$d/$m" "$data" --out "$d/pred_$m.h5ad" \
        --threads "$THREADS" "${truth[@]}"
    done
    eval_timeseries "$d" "$data"
  done
done
awk -v a="$t_all" -v b="$(now)" 'BEGIN { printf "emt: seed done in %.0f s wall\n", b - a }'
