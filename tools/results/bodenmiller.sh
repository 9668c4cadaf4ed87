#!/usr/bin/env bash
# tools/results/bodenmiller.sh OUT_DIR SEED [PATIENT...]
# Bodenmiller BCR-XL CyTOF, leave one patient out: for each held-out patient
# (default all eight, Patient1 ... Patient8) train MFM, CGFM and FM on the other
# seven patients' Ref -> BCRXL pairs, predict the held-out patient's BCRXL
# cells from its Ref cells, and evaluate beside the identity, train-mean-shift
# and oracle-mean-shift baselines and the training mean effect
# (eval's average_effect) in the 24-marker arcsinh space (X).
# Writes OUT_DIR/bodenmiller/seedSEED/PATIENT/{report/,timings.tsv,...}.
source "$(dirname "$0")/common.sh"
usage_check "$0" $#
out=$1 seed=$2; shift 2
patients=("$@")
[ ${#patients[@]} -gt 0 ] || patients=(Patient1 Patient2 Patient3 Patient4 Patient5 Patient6 Patient7 Patient8)
data=$DATASETS/bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad
t_all=$(now)
for p in "${patients[@]}"; do
  d=$out/bodenmiller/seed$seed/$p
  mkdir -p "$d"
  tf=$d/timings.tsv
  : >"$tf"
  echo "bodenmiller: $p held out, seed $seed, $STEPS steps"
  for m in "${MODELS[@]}"; do
    timed "train $m" "$tf" "$MFM" train "$data" --out "$d/$m" --model "$m" \
      --experiment-key patient_id --treatment-key condition --control Ref \
      --holdout "patient_id=$p" --steps "$STEPS" --seed "$seed" --threads "$THREADS" --log-every 200
    truth=()
    [ $m = mfm ] && truth=(--truth-out "$d/observed.h5ad")
    timed "predict $m" "$tf" "$MFM" predict "$d/$m" "$data" --out "$d/pred_$m.h5ad" \
      --threads "$THREADS" "${truth[@]}"
  done
  eval_perturbation "$d" patient_id condition Ref
done
awk -v a="$t_all" -v b="$(now)" 'BEGIN { printf "bodenmiller: seed done in %.0f s wall\n", b - a }'
