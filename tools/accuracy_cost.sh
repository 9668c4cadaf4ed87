#!/usr/bin/env bash
# tools/accuracy_cost.sh OUT_DIR [TRAIN_STEPS] [REFLOW_STEPS] [THREADS]
#
# The accuracy-cost curve of prediction (docs/performance.md): train the
# demo's MFM model on the Bodenmiller data with Patient1 held out (the
# teacher), straighten it with `mfm reflow` (the student), predict Patient1
# with every model x solver setting below, evaluate all predictions in one
# `mfm eval` run, and write OUT_DIR/curve.csv and OUT_DIR/curve.md (W2, MMD,
# energy distance to the observed BCRXL cells vs function evaluations, with
# the standard deviations over the populations); curve.csv is copied into
# the student's directory (the teacher's without a student) and a second
# `mfm eval --model` run writes OUT_DIR/report/report.html with the curve.
# Environment: MFM, DATA; TRAIN_ARGS (extra mfm train options of the teacher,
# e.g. "--fm ve --sigma-max 10"); MODELS ("teacher student" by default;
# "teacher" skips the reflow; "ve" adds a model trained on the same task (TRAIN_ARGS not applied) with
# VE_ARGS, default "--fm ve --sigma-max 10 --sigma-min 0.01"); SKIP (a
# regex of settings to leave out, e.g. "rk8pd" for a curved path whose tight
# adaptive solve is too costly).  Other data sets: TASK_ARGS (the train
# task, default Bodenmiller's "--experiment-key patient_id --treatment-key
# condition --control Ref --holdout patient_id=Patient1"), EVAL_ARGS (default
# "--by patient_id,condition --control-key condition --control Ref"),
# REFLOW_ARGS (extra mfm reflow options).  W2, MMD and energy are averaged
# over the predicted (held-out) populations.  NICE (default 10): niceness of
# every mfm run.
set -euo pipefail
out=${1:?usage: tools/accuracy_cost.sh OUT_DIR [TRAIN_STEPS] [REFLOW_STEPS] [THREADS]}
train_steps=${2:-800}
reflow_steps=${3:-1000}
threads=${4:-1}
models=${MODELS:-teacher student}
read -r -a train_args <<< "${TRAIN_ARGS:-}"
read -r -a task_args <<< "${TASK_ARGS:---experiment-key patient_id --treatment-key condition --control Ref --holdout patient_id=Patient1}"
read -r -a eval_args <<< "${EVAL_ARGS:---by patient_id,condition --control-key condition --control Ref}"
read -r -a reflow_args <<< "${REFLOW_ARGS:-}"
read -r -a ve_args <<< "${VE_ARGS:---fm ve --sigma-max 10 --sigma-min 0.01}"
root=$(cd "$(dirname "$0")/.." && pwd)
mfm=${MFM:-$root/build/app/mfm}
data=${DATA:-$root/datasets/bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad}
mkdir -p "$out"

# model x solver settings: name solver steps atol
settings=(
  "euler-1 euler 1 0" "euler-2 euler 2 0" "euler-4 euler 4 0" "euler-8 euler 8 0"
  "euler-20 euler 20 0" "euler-80 euler 80 0"
  "midpoint-1 midpoint 1 0" "midpoint-2 midpoint 2 0" "rk4-1 rk4 1 0" "rk4-2 rk4 2 0"
  "rk4-5 rk4 5 0" "rk4-20 rk4 20 0"
  "rkf45-1e-3 rkf45 0 1e-3" "rkf45-1e-4 rkf45 0 1e-4" "rk8pd-1e-6 rk8pd 0 1e-6"
)

if [ ! -f "$out/teacher/model.ckpt" ]; then
  nice -n "${NICE:-10}" "$mfm" train "$data" --out "$out/teacher" --model mfm "${task_args[@]}" --steps "$train_steps" \
    --seed 0 --threads "$threads" --log-every 200 "${train_args[@]}"
fi
if [[ " $models " == *" ve "* && ! -f "$out/ve/model.ckpt" ]]; then
  nice -n "${NICE:-10}" "$mfm" train "$data" --out "$out/ve" --model mfm "${task_args[@]}" --steps "$train_steps" \
    --seed 0 --threads "$threads" --log-every 200 "${ve_args[@]}"
fi
if [[ " $models " == *" student "* && ! -f "$out/student/model.ckpt" ]]; then
  /usr/bin/time -f "reflow wall %e s" nice -n "${NICE:-10}" "$mfm" reflow "$out/teacher" "$data" --out "$out/student" \
    --steps "$reflow_steps" --threads "$threads" --log-every 200 "${reflow_args[@]}"
fi

echo "model,setting,solver,steps,atol,nfe,ode_seconds,cells_nfe_per_s" > "$out/cost.csv"
preds=()
for model in $models; do
  for s in "${settings[@]}"; do
    read -r name solver steps atol <<< "$s"
    [[ -n "${SKIP:-}" && "$name" =~ ${SKIP} ]] && continue
    args=(--solver "$solver")
    [ "$steps" != 0 ] && args+=(--steps "$steps")
    [ "$atol" != 0 ] && args+=(--atol "$atol" --rtol "$atol")
    truth=()
    [ ${#preds[@]} -eq 0 ] && truth=(--truth-out "$out/observed.h5ad")
    log=$(nice -n "${NICE:-10}" "$mfm" predict "$out/$model" "$data" --out "$out/pred_${model}_$name.h5ad" \
      --name "${model}_$name" --threads "$threads" "${args[@]}" "${truth[@]}" 2>&1)
    nfe=$(sed -n 's/.*cells to .*, \([0-9]*\) function evaluations[);].*/\1/p' <<< "$log")
    ode=$(sed -n 's/.*ODE \([0-9.]*\) s, \([0-9.e+]*\) cells x NFE.*/\1,\2/p' <<< "$log")
    echo "$model,$name,$solver,$steps,$atol,$nfe,$ode" >> "$out/cost.csv"
    preds+=(--pred "$out/pred_${model}_$name.h5ad")
  done
  # the model's own default (--solver auto)
  log=$(nice -n "${NICE:-10}" "$mfm" predict "$out/$model" "$data" --out "$out/pred_${model}_auto.h5ad" \
    --name "${model}_auto" --threads "$threads" 2>&1)
  nfe=$(sed -n 's/.*cells to .*, \([0-9]*\) function evaluations[);].*/\1/p' <<< "$log")
  ode=$(sed -n 's/.*ODE \([0-9.]*\) s, \([0-9.e+]*\) cells x NFE.*/\1,\2/p' <<< "$log")
  echo "$model,auto,auto,0,0,$nfe,$ode" >> "$out/cost.csv"
  preds+=(--pred "$out/pred_${model}_auto.h5ad")
done

# metrics only (no intervals, no permutation test): the numbers of the curve
nice -n "${NICE:-10}" "$mfm" eval "${preds[@]}" --truth "$out/observed.h5ad" --out "$out/metrics" \
  "${eval_args[@]}" --split-key split --train-value train --bootstrap 0 --permutations 0 > "$out/eval.log" 2>&1

/usr/bin/python3 - "$out" <<'PY'
import csv, json, sys
out = sys.argv[1]
cost = {(r["model"] + "_" + r["setting"]): r for r in csv.DictReader(open(f"{out}/cost.csv"))}
acc = {}
for r in csv.DictReader(open(f"{out}/metrics/metrics.csv")):
    if r["method"] in cost and r["W2"] not in ("", "nan"):
        acc.setdefault(r["method"], []).append(r)
rows = []
for meth, rs in acc.items():
    c = cost[meth]
    mean = lambda k: sum(float(r[k]) for r in rs) / len(rs)
    # sample standard deviation over the populations ('' for one population)
    sd = lambda k: (sum((float(r[k]) - mean(k)) ** 2 for r in rs) / (len(rs) - 1)) ** 0.5 if len(rs) > 1 else ""
    rows.append(dict(model=c["model"], setting=c["setting"], nfe=round(int(c["nfe"]) / len(rs), 1), pops=len(rs), W2=mean("W2"),
                     W2_sd=sd("W2"), MMD=mean("MMD"), MMD_sd=sd("MMD"), energy=mean("energy"),
                     ode_s=float(c["ode_seconds"]), tput=float(c["cells_nfe_per_s"])))
order = {k: i for i, k in enumerate(cost)}
rows.sort(key=lambda r: order[r["model"] + "_" + r["setting"]])
ref = {r["model"]: r for r in rows if r["setting"] == "rk4-20"}
with open(f"{out}/curve.csv", "w") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
with open(f"{out}/curve.md", "w") as f:
    f.write("| model | solver | NFE | W2 (sd) | MMD (sd) | energy | W2 / teacher RK4x20 | MMD / teacher RK4x20 | flow s | cells x NFE / s |\n")
    f.write("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    paren = lambda v, fmt: f" ({v:{fmt}})" if v != "" else ""
    # the teacher's RK4 x 20: its rk4-20 row, or its auto row (RK4 x 20 too)
    t = ref.get("teacher") or next(r for r in rows if r["model"] == "teacher" and r["setting"] == "auto")
    for r in rows:
        f.write(f"| {r['model']} | {r['setting']} | {r['nfe']:g} | {r['W2']:.3f}{paren(r['W2_sd'], '.3f')} | "
                f"{r['MMD']:.5f}{paren(r['MMD_sd'], '.5f')} | {r['energy']:.4f} | "
                f"{r['W2'] / t['W2']:.3f} | {r['MMD'] / t['MMD']:.2f} | {r['ode_s']:.3f} | {r['tput']:.3g} |\n")
print(open(f"{out}/curve.md").read())
PY

# The report with the curve: curve.csv beside the student (else the
# teacher), drawn by mfm eval --model (docs/reports.md).
owner=teacher
[[ " $models " == *" student "* ]] && owner=student
cp "$out/curve.csv" "$out/$owner/curve.csv"
nice -n "${NICE:-10}" "$mfm" eval --model "$out/$owner" "${preds[@]}" --truth "$out/observed.h5ad" --out "$out/report" \
  "${eval_args[@]}" --split-key split --train-value train >> "$out/eval.log" 2>&1
echo "wrote $out/curve.csv, $out/curve.md and $out/report/report.html (with the curve)"
