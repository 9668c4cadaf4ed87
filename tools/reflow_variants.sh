#!/usr/bin/env bash
# tools/reflow_variants.sh OUT_DIR DATA [TRAIN_STEPS] [THREADS]
#
# Cheap ways to bring a reflowed student closer to its teacher
# (docs/performance.md, "What helps the student"): one teacher, several
# `mfm reflow` variants of it, each student predicted with Euler x 4 and
# midpoint x 2 (4 evaluations each), the teacher with RK4 x 20 and
# Euler x 4, all evaluated in one `mfm eval` run (no intervals); writes
# OUT_DIR/variants.csv and OUT_DIR/variants.md (W2 and MMD: mean and sample
# standard deviation over the held-out populations, and the ratio of the
# means to the teacher's RK4 x 20, and the median over the populations of
# the per-population MMD ratio to it).  With TIME=1 it then times, back to
# back with /usr/bin/time and the same --threads, `mfm predict` of the
# teacher with RK4 x 20 and of each student with --solver auto, and writes
# OUT_DIR/timing.csv (wall, user and sys seconds, load average before each
# run; the timed outputs are deleted).
# Environment: MFM; TASK_ARGS (mfm train task, default a simulated screen's
# "--experiment-key patient,culture --treatment-key condition --control
# control --holdout patient=P06"); EVAL_ARGS (default "--by
# patient,culture,condition --control-key condition --control control");
# VARIANTS (names of the variants below to run, default all); NICE
# (default 10).  Models and predictions already in OUT_DIR are kept (a run
# can be resumed; delete them after changing the binary).
set -euo pipefail
out=${1:?usage: tools/reflow_variants.sh OUT_DIR DATA [TRAIN_STEPS] [THREADS]}
data=${2:?usage: tools/reflow_variants.sh OUT_DIR DATA [TRAIN_STEPS] [THREADS]}
train_steps=${3:-600}
threads=${4:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
mfm=${MFM:-$root/build/app/mfm}
read -r -a task_args <<< "${TASK_ARGS:---experiment-key patient,culture --treatment-key condition --control control --holdout patient=P06}"
read -r -a eval_args <<< "${EVAL_ARGS:---by patient,culture,condition --control-key condition --control control}"
nice=(nice -n "${NICE:-10}")
mkdir -p "$out"

# name: mfm reflow options (the baseline is the 200-population screen's run)
declare -A variant=(
  [base]="--steps 400 --teacher-steps 5 --check-steps 2"
  [rk4x20]="--steps 400 --teacher-steps 20 --check-steps 2"
  [steps1200]="--steps 1200 --teacher-steps 5 --check-steps 2"
  [rounds2]="--steps 400 --rounds 2 --teacher-steps 5 --check-steps 2"
  [rkf45]="--steps 400 --teacher-solver rkf45 --atol 1e-4 --rtol 1e-4 --check-steps 2"
  [short]="--steps 100 --lr 2e-4 --teacher-steps 5 --check-steps 2"
)
names=${VARIANTS:-base rk4x20 steps1200 rounds2 rkf45 short}

if [ ! -f "$out/teacher/model.ckpt" ]; then
  "${nice[@]}" "$mfm" train "$data" --out "$out/teacher" --model mfm "${task_args[@]}" --steps "$train_steps" \
    --seed 0 --threads "$threads" --log-every 200
fi
preds=()
predict() { # model_dir name solver steps [--truth-out file]
  local m=$1 n=$2 s=$3 k=$4
  shift 4
  [ -f "$out/pred_$n.h5ad" ] || "${nice[@]}" "$mfm" predict "$m" "$data" --out "$out/pred_$n.h5ad" --name "$n" --solver "$s" --steps "$k" \
    --threads "$threads" --quiet "$@"
  preds+=(--pred "$out/pred_$n.h5ad")
}
predict "$out/teacher" teacher_rk4-20 rk4 20 --truth-out "$out/observed.h5ad"
predict "$out/teacher" teacher_euler-4 euler 4
echo "variant,options,seconds,straightness_before,straightness_after" > "$out/reflow.csv"
for v in $names; do
  opts=${variant[$v]:?unknown variant $v}
  if [ ! -f "$out/$v/model.ckpt" ]; then
    read -r -a o <<< "$opts"
    "${nice[@]}" "$mfm" reflow "$out/teacher" "$data" --out "$out/$v" --threads "$threads" --quiet "${o[@]}"
  fi
  /usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(','.join([sys.argv[2], '\"' + sys.argv[3] + '\"',
    '%.0f' % j['seconds'], '%.4g' % j['straightness_before'], '%.4g' % j['straightness_after']]))" \
    "$out/$v/reflow.json" "$v" "$opts" >> "$out/reflow.csv"
  predict "$out/$v" "${v}_euler-4" euler 4
  predict "$out/$v" "${v}_midpoint-2" midpoint 2
done
# the eval of the same predictions is kept (a resumed run only redoes the tables)
if [ ! -f "$out/report/metrics.csv" ] || [ "$(cat "$out/eval.preds" 2>/dev/null)" != "${preds[*]}" ]; then
  rm -rf "$out/report"
  "${nice[@]}" "$mfm" eval "${preds[@]}" --truth "$out/observed.h5ad" --out "$out/report" "${eval_args[@]}" \
    --split-key split --train-value train --bootstrap 0 --permutations 0 > "$out/eval.log" 2>&1
  echo "${preds[*]}" > "$out/eval.preds"
fi

/usr/bin/python3 - "$out" <<'PY'
import csv, statistics as st, sys
out = sys.argv[1]
acc, pops = {}, {}
for r in csv.DictReader(open(f"{out}/report/metrics.csv")):
    if r["kind"] == "prediction" or r["method"] == "identity":
        acc.setdefault(r["method"], []).append((float(r["W2"]), float(r["MMD"])))
        pops.setdefault(r["method"], []).append(r["population"])
refl = {r["variant"]: r for r in csv.DictReader(open(f"{out}/reflow.csv"))}
t = acc["teacher_rk4-20"]
tw, tm = st.mean(x[0] for x in t), st.mean(x[1] for x in t)
tmmd = dict(zip(pops["teacher_rk4-20"], (x[1] for x in t)))
rows = []
for meth, v in acc.items():
    w, m = [x[0] for x in v], [x[1] for x in v]
    # per population: this method's MMD over the teacher's RK4 x 20 MMD
    pr = [x[1] / tmmd[p] for p, x in zip(pops[meth], v) if tmmd.get(p, 0) > 0]
    var = meth.rsplit("_", 1)[0]
    rows.append(dict(method=meth, pops=len(v), W2=st.mean(w), W2_sd=st.stdev(w) if len(w) > 1 else 0.0,
                     MMD=st.mean(m), MMD_sd=st.stdev(m) if len(m) > 1 else 0.0, W2_ratio=st.mean(w) / tw,
                     MMD_ratio=st.mean(m) / tm, MMD_ratio_median=st.median(pr) if pr else float("nan"), options=refl.get(var, {}).get("options", ""),
                     reflow_s=refl.get(var, {}).get("seconds", ""), S_after=refl.get(var, {}).get("straightness_after", "")))
with open(f"{out}/variants.csv", "w") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
with open(f"{out}/variants.md", "w") as f:
    f.write("| prediction | mfm reflow options | W2 (sd) | MMD (sd) | W2 / teacher RK4x20 | MMD / teacher RK4x20 | "
            "median MMD ratio | straightness after | reflow s |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
    for r in rows:
        f.write(f"| {r['method']} | {r['options']} | {r['W2']:.3f} ({r['W2_sd']:.3f}) | {r['MMD']:.5f} ({r['MMD_sd']:.5f}) | "
                f"{r['W2_ratio']:.3f} | {r['MMD_ratio']:.2f} | {r['MMD_ratio_median']:.2f} | {r['S_after']} | {r['reflow_s']} |\n")
print(open(f"{out}/variants.md").read())
PY

# optional: wall and CPU time of mfm predict, teacher RK4 x 20 then each
# student with --solver auto, back to back (CPU time is the fair figure on
# a shared machine: the load inflates the wall time, not the CPU time)
if [ "${TIME:-0}" = 1 ]; then
  echo "run,wall_s,user_s,sys_s,load_before" > "$out/timing.csv"
  timed() { # name model_dir predict-options...
    local n=$1 m=$2
    shift 2
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    "${nice[@]}" /usr/bin/time -f "%e,%U,%S" -o "$out/time_$n.txt" "$mfm" predict "$m" "$data" --out "$out/time_$n.h5ad" \
      --threads "$threads" "$@" > "$out/time_$n.log" 2>&1
    echo "$n,$(cat "$out/time_$n.txt"),$load" >> "$out/timing.csv"
    rm -f "$out/time_$n.h5ad"
  }
  timed teacher_rk4-20 "$out/teacher" --solver rk4 --steps 20
  for v in $names; do
    timed "${v}_auto" "$out/$v" --solver auto
  done
  cat "$out/timing.csv"
fi
