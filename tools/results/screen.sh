#!/usr/bin/env bash
# tools/results/screen.sh OUT_DIR SEED [PATIENT...]
# A small simulated drug screen (mfm simulate-screen, docs/screens.md; seed
# SEED): 6 patients, 1 culture, 3 drugs with all pairs and D1+D2+D3 (D1+D2
# synergistic), 3 doses, 300 cells per population.  For each held-out
# patient (default P06) train MFM, CGFM and FM with today's design: the
# treatment and dose as one opaque label (obs condition, e.g. D1+D2@1+1),
# one-hot, so a combination is not built from its drugs.  Predict the
# held-out patient's treated populations from its control cells and
# evaluate beside the baselines and the training mean effect
# (eval's average_effect).  The reference for the condition design of a later
# round.  Writes OUT_DIR/screen/seedSEED/{screen.h5ad,truth.json} and
# OUT_DIR/screen/seedSEED/PATIENT/{report/,timings.tsv,...}.
source "$(dirname "$0")/common.sh"
usage_check "$0" $#
out=$1 seed=$2; shift 2
patients=("$@")
[ ${#patients[@]} -gt 0 ] || patients=(P06)
base=$out/screen/seed$seed
mkdir -p "$base"
data=$base/screen.h5ad
t_all=$(now)
: >"$base/timings.tsv"
timed "simulate" "$base/timings.tsv" "$MFM" simulate-screen --out "$data" \
  --truth "$base/truth.json" --seed "$seed" --patients 6 --cultures 1 --plates 1 \
  --drugs 3 --cells 300
for p in "${patients[@]}"; do
  d=$base/$p
  mkdir -p "$d"
  tf=$d/timings.tsv
  : >"$tf"
  echo "screen: $p held out, seed $seed, $STEPS steps"
  for m in mfm cgfm fm; do
    timed "train $m" "$tf" "$MFM" train "$data" --out "$d/$m" --model "$m" \
      --experiment-key patient --treatment-key condition --control control \
      --holdout "patient=$p" --steps "$STEPS" --seed "$seed" --threads "$THREADS" --log-every 200
    truth=()
    [ $m = mfm ] && truth=(--truth-out "$d/observed.h5ad")
    timed "predict $m" "$tf" "$MFM" predict "$d/$m" "$data" --out "$d/pred_$m.h5ad" \
      --threads "$THREADS" "${truth[@]}"
  done
  eval_perturbation "$d" patient condition control
done
awk -v a="$t_all" -v b="$(now)" 'BEGIN { printf "screen: seed done in %.0f s wall\n", b - a }'
