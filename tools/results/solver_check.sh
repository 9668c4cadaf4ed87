#!/usr/bin/env bash
# tools/results/solver_check.sh OUT_DIR SEED [PATIENT]
# Is the default sampler (rk4, 20 steps) converged?  Re-predicts the
# Bodenmiller MFM model of bodenmiller.sh (run it first; default Patient1)
# with rk8pd at atol = rtol = 1e-6, prints the largest per-coordinate
# difference between the two predictions, and evaluates both.
source "$(dirname "$0")/common.sh"
usage_check "$0" $#
out=$1 seed=$2 p=${3:-Patient1}
d=$out/bodenmiller/seed$seed/$p
[ -f "$d/mfm/model.ckpt" ] || { echo "solver_check: run bodenmiller.sh $out $seed first" >&2; exit 1; }
data=$DATASETS/bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad
tf=$d/solver_timings.tsv
: >"$tf"
echo "solver_check: $p, seed $seed: rk4 x 20 steps against rk8pd at 1e-6"
timed "predict mfm rk8pd" "$tf" "$MFM" predict "$d/mfm" "$data" --out "$d/pred_mfm_rk8pd.h5ad" \
  --solver rk8pd --atol 1e-6 --rtol 1e-6 --threads "$THREADS" --name mfm_rk8pd
/usr/bin/python3 - "$d/pred_mfm.h5ad" "$d/pred_mfm_rk8pd.h5ad" <<'PY'
import sys
import anndata as ad
import numpy as np
a, b = ad.read_h5ad(sys.argv[1]), ad.read_h5ad(sys.argv[2])
assert (a.obs["source_cell"].to_numpy() == b.obs["source_cell"].to_numpy()).all()
d = np.abs(a.X.astype(np.float64) - b.X.astype(np.float64))
print(f"solver_check: {a.n_obs} cells x {a.n_vars} features: max |rk4 - rk8pd| = {d.max():.2e}, "
      f"mean per-cell distance = {np.linalg.norm(d, axis=1).mean():.2e}")
PY
timed "eval rk4 vs rk8pd" "$tf" "$MFM" eval --pred "$d/pred_mfm.h5ad" --pred "$d/pred_mfm_rk8pd.h5ad" \
  --truth "$d/observed.h5ad" --out "$d/report_solver" --by patient_id,condition \
  --control-key condition --control Ref --split-key split --train-value train
grep -A3 '^method (mean)' "${tf%.tsv}.log" | tail -4
