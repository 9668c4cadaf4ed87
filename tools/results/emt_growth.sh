#!/usr/bin/env bash
# tools/results/emt_growth.sh OUT_DIR SEED [DATASET...]
# Balanced vs --growth on the EMT files, leave one time point out (as
# emt.sh): for every interior time point T, train an FM model (--model fm)
# twice on the consecutive pairs with T left out, once balanced and once with
# --growth --sizes-from-counts (the relative population sizes taken from the
# cell counts per time point: an assumption, the files do not say whether
# their counts are comparable), predict T from the previous time point, and
# evaluate both together (the growth prediction's W1/W2/MMD weighted by its
# obs 'weight').  DATASET is tigon3d and/or deepruot10d (default both).
# NET (optional): extra mfm train options shared by both runs, e.g. a
# smaller network: NET="--mlp-width 64 --fourier 32 --time-dim 32".
# Writes OUT_DIR/emt_growth/seedSEED/DATASET/tT/{report/,timings.tsv,...}.
source "$(dirname "$0")/common.sh"
usage_check "$0" $#
out=$1 seed=$2; shift 2
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(tigon3d deepruot10d)
read -r -a net <<<"${NET:-}"
for s in "${sets[@]}"; do
  case $s in
    tigon3d) data=$DATASETS/tigon_emt_a549_tgfb1_ae3d.h5ad; levels=(0 0.33333334 1 3 7) ;;
    deepruot10d) data=$DATASETS/deepruot_emt_a549_10d.h5ad; levels=(0 1 2 3) ;;
    *) echo "emt_growth: unknown dataset '$s' (tigon3d, deepruot10d)" >&2; exit 2 ;;
  esac
  for ((k = 1; k + 1 < ${#levels[@]}; k++)); do
    T=${levels[k]} prev=${levels[k - 1]}
    d=$out/emt_growth/seed$seed/$s/t$T
    mkdir -p "$d"
    tf=$d/timings.tsv
    : >"$tf"
    echo "emt_growth: $s, time $T held out (predicted from $prev), seed $seed, $STEPS steps"
    for v in balanced growth; do
      extra=()
      [ $v = growth ] && extra=(--growth --sizes-from-counts)
      timed "train $v" "$tf" "$MFM" train "$data" --out "$d/$v" --model fm \
        --task timeseries --time-key time --holdout-time "$T" "${extra[@]}" "${net[@]}" \
        --steps "$STEPS" --seed "$seed" --threads "$THREADS" --log-every 200
      truth=()
      [ $v = balanced ] && truth=(--truth-out "$d/observed.h5ad")
      timed "predict $v" "$tf" "$MFM" predict "$d/$v" "$data" --out "$d/pred_$v.h5ad" \
        --name "fm_$v" --threads "$THREADS" "${truth[@]}"
    done
    timed "eval" "$tf" "$MFM" eval --pred "$d/pred_balanced.h5ad" --pred "$d/pred_growth.h5ad" \
      --truth "$d/observed.h5ad" --out "$d/report" --by time --control-key time --control "$prev" \
      --bootstrap 0 --permutations 0
  done
done
