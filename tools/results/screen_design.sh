#!/usr/bin/env bash
# tools/results/screen_design.sh OUT_DIR SEED [QUESTION...]
# The three screen questions of docs/results.md ("Drug screens") on
# simulated screens (mfm simulate-screen, docs/screens.md; seed SEED), with
# the condition design (combinations built from their drugs, doses,
# covariates).  QUESTION (default: all three):
#   patients  unseen patients x seen treatments: screen A (8 patients x 2
#             cultures, 3 drugs + all pairs + D1+D2+D3 at one dose, 300
#             cells per population, 20 markers); P07 and P08 held out;
#             covariate culture; eval adds average_effect_same_culture
#   combos    seen patients x unseen combinations: screen A; D1+D2
#             (synergistic) and D2+D3 (additive) held out in every
#             experiment; eval's additive baseline uses the same
#             experiment's measured D1, D2, D3
#   doses     unseen dose inside the measured range: screen B (8 patients,
#             1 culture, 3 drugs + combinations at doses 0.3, 1, 3); the
#             middle dose (1, 1+1, 1+1+1) held out everywhere; dose
#             transform log1p.  Eval pairs populations by treatment@dose
#             and adds dose_interpolation (log1p, between 0.3 and 3)
# For each: train MFM, CGFM and FM (STEPS steps, seed SEED), predict the
# held-out populations (with --truth-out), and run mfm eval with its
# baselines, bootstrap intervals and Wilcoxon tests into
# OUT_DIR/screen_design/seedSEED/QUESTION/report.  Environment: common.sh.
source "$(dirname "$0")/common.sh"
usage_check "$0" $#
out=$1 seed=$2; shift 2
questions=("$@")
[ ${#questions[@]} -gt 0 ] || questions=(patients combos doses)
base=$out/screen_design/seed$seed
mkdir -p "$base"
: >>"$base/timings.tsv"
NET=(--threads "$THREADS" --log-every 200 --steps "$STEPS" --seed "$seed")

simulate() { # simulate NAME EXTRA...
  local name=$1; shift
  [ -f "$base/$name.h5ad" ] && return 0
  timed "simulate $name" "$base/timings.tsv" "$MFM" simulate-screen --out "$base/$name.h5ad.tmp.h5ad" \
    --truth "$base/$name.truth.json" --seed "$seed" --plates 1 --drugs 3 --cells 300 --markers 20 "$@"
  mv "$base/$name.h5ad.tmp.h5ad" "$base/$name.h5ad"
}

# run_question NAME DATA EVAL_BY EVAL_EXTRA TRAIN_ARGS...
run_question() {
  local q=$1 data=$2 by=$3 ev=$4; shift 4
  local d=$base/$q tf=$base/$q/timings.tsv
  mkdir -p "$d"
  : >"$tf"
  echo "screen_design: $q, seed $seed, $STEPS steps"
  for m in mfm cgfm fm; do
    timed "train $m" "$tf" nice -n 5 "$MFM" train "$data" --out "$d/$m" --model "$m" "${NET[@]}" "$@"
    local truth=()
    [ $m = mfm ] && truth=(--truth-out "$d/observed.h5ad")
    timed "predict $m" "$tf" nice -n 5 "$MFM" predict "$d/$m" "$data" --out "$d/pred_$m.h5ad" \
      --threads "$THREADS" "${truth[@]}"
  done
  # shellcheck disable=SC2086
  timed "eval" "$tf" nice -n 5 "$MFM" eval --pred "$d/pred_mfm.h5ad" --pred "$d/pred_cgfm.h5ad" \
    --pred "$d/pred_fm.h5ad" --truth "$d/observed.h5ad" --out "$d/report" --by "$by" \
    --control-key treatment --control control --split-key split --train-value train \
    --bootstrap 200 --permutations 200 --seed "$seed" $ev
}

t_all=$(now)
for q in "${questions[@]}"; do
  case $q in
    patients)
      simulate screenA --patients 8 --cultures 2 --doses 1
      run_question patients "$base/screenA.h5ad" patient,culture,treatment "--covariate-key culture" \
        --experiment-key patient,culture --treatment-key treatment --control control \
        --covariate-key culture --holdout 'patient=P07,P08' ;;
    combos)
      simulate screenA --patients 8 --cultures 2 --doses 1
      run_question combos "$base/screenA.h5ad" patient,culture,treatment "--covariate-key culture" \
        --experiment-key patient,culture --treatment-key treatment --control control \
        --covariate-key culture --holdout 'treatment=D1+D2,D2+D3' ;;
    doses)
      simulate screenB --patients 8 --cultures 1 --doses 0.3,1,3
      run_question doses "$base/screenB.h5ad" patient,treatment "--dose-transform log1p" \
        --experiment-key patient --treatment-key treatment --control control \
        --dose-key dose --dose-transform log1p --holdout 'dose=1,1+1,1+1+1' ;;
    *) echo "screen_design: unknown question '$q' (patients, combos, doses)" >&2; exit 2 ;;
  esac
done
awk -v a="$t_all" -v b="$(now)" 'BEGIN { printf "screen_design: seed done in %.0f s wall\n", b - a }'
