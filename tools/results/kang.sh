#!/usr/bin/env bash
# tools/results/kang.sh OUT_DIR SEED [CELL_TYPE...]
# Kang IFN-beta scRNA-seq, leave one cell type out: a population is a cell
# type; for each held-out cell type (default CD14+Mono B CD4T) train MFM,
# CGFM and FM on the other six types' control -> stimulated pairs in a
# 30-component PCA space fitted on the training cells (X is already
# log-normalised: --transform none), predict the held-out type's stimulated
# cells from its control cells, and evaluate in that PCA space beside the
# baselines and the training mean effect (eval's average_effect), in the
# genes of X (report/) and in the model's PCA space (report_pca/).
# Writes OUT_DIR/kang/seedSEED/CELL_TYPE/{report/,timings.tsv,...}.
source "$(dirname "$0")/common.sh"
usage_check "$0" $#
out=$1 seed=$2; shift 2
types=("$@")
[ ${#types[@]} -gt 0 ] || types=(CD14+Mono B CD4T)
PCA=${PCA:-30}
data=$DATASETS/kang2018_ifnb_pbmc_scgen_valid_modern.h5ad
t_all=$(now)
for c in "${types[@]}"; do
  d=$out/kang/seed$seed/$c
  mkdir -p "$d"
  tf=$d/timings.tsv
  : >"$tf"
  echo "kang: $c held out, seed $seed, $STEPS steps, PCA $PCA"
  for m in "${MODELS[@]}"; do
    timed "train $m" "$tf" "$MFM" train "$data" --out "$d/$m" --model "$m" \
      --experiment-key cell_type --treatment-key condition --control control \
      --holdout "cell_type=$c" --transform none --pca "$PCA" \
      --steps "$STEPS" --seed "$seed" --threads "$THREADS" --log-every 200
    truth=()
    [ $m = mfm ] && truth=(--truth-out "$d/observed.h5ad")
    timed "predict $m" "$tf" "$MFM" predict "$d/$m" "$data" --out "$d/pred_$m.h5ad" \
      --threads "$THREADS" "${truth[@]}"
  done
  eval_perturbation "$d" cell_type condition control
  # the same in the models' 30-PC space (every file carries obsm X_pca; the
  # PCA depends only on the training cells and the seed, so the three models
  # of one seed share it)
  pca_preds=()
  for m in mfm cgfm fm; do
    [ -f "$d/pred_$m.h5ad" ] && pca_preds+=(--pred "$d/pred_$m.h5ad")
  done
  timed "eval pca" "$tf" nice "$MFM" eval "${pca_preds[@]}" --truth "$d/observed.h5ad" \
    --out "$d/report_pca" --by cell_type,condition --control-key condition --control control \
    --split-key split --train-value train --rep obsm:X_pca --bootstrap 200 --permutations 200
done
awk -v a="$t_all" -v b="$(now)" 'BEGIN { printf "kang: seed done in %.0f s wall\n", b - a }'
