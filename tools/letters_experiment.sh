#!/bin/sh
# tools/letters_experiment.sh — the letters experiment of the Meta Flow
# Matching paper on a CPU (issue 4): generate the letters, train FM, CGFM and
# MFM with the same budget, predict the unseen letters X (validation) and Y
# (test), evaluate W1, W2 and MMD per population, summarise per split, and
# draw source, truth and the three predictions of a test letter.
#
#   tools/letters_experiment.sh [--seed S] [--out DIR] [--build DIR | --mfm BIN]
#                               [--threads N] [--tiny]
#
# --seed S     seed of the data and of every training (default 0)
# --out DIR    output directory (default letters-experiment-S)
# --build DIR  meson build directory to (re)use or create (default
#              build-letters); the build is timed but not counted in the
#              experiment's wall time
# --mfm BIN    use this mfm binary instead of building
# --threads N  OpenBLAS threads of train and predict (default 1)
# --tiny       2 training letters x 2 rotations and a few steps: a smoke test
#              of the pipeline (CI), not a result
#
# Writes DIR/letters.h5ad, DIR/{fm,cgfm,mfm}/ (models), DIR/pred_*.h5ad,
# DIR/truth.h5ad, DIR/report/ (mfm eval), DIR/summary.md, DIR/summary.tsv,
# DIR/letters_Y.png, DIR/timings.tsv, DIR/machine.txt.  See
# docs/letters-experiment.md.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
seed=0
out=
build="build-letters"
mfm=
threads=1
tiny=0

die() {
    echo "letters_experiment: $*" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --seed) [ $# -ge 2 ] || die "--seed needs a value"; seed=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a value"; out=$2; shift 2 ;;
    --build) [ $# -ge 2 ] || die "--build needs a value"; build=$2; shift 2 ;;
    --mfm) [ $# -ge 2 ] || die "--mfm needs a value"; mfm=$2; shift 2 ;;
    --threads) [ $# -ge 2 ] || die "--threads needs a value"; threads=$2; shift 2 ;;
    --tiny) tiny=1; shift ;;
    -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done
case $seed in '' | *[!0-9]*) die "--seed '$seed' is not a non-negative integer" ;; esac
case $threads in '' | *[!0-9]*) die "--threads '$threads' is not a non-negative integer" ;; esac
[ -n "$out" ] || out=letters-experiment-$seed
mkdir -p "$out"
out=$(cd "$out" && pwd)

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---- build (not part of the experiment's time)
if [ -z "$mfm" ]; then
    tb=$(now)
    if [ ! -f "$build/build.ninja" ]; then
        meson setup "$build" "$root" >/dev/null
    fi
    ninja -C "$build" -j2 app/mfm >/dev/null
    mfm=$build/app/mfm
    echo "letters_experiment: built $mfm in $(elapsed "$tb" "$(now)") s"
fi
[ -x "$mfm" ] || die "'$mfm' is not an executable mfm binary"

# ---- settings: the same budget for the three models
if [ "$tiny" = 1 ]; then
    data_opts="--letters ACXY --rotations 2"
    budget="--steps 6 --pops-per-step 2 --cells-per-pop 32 --lr 1e-3 --lr-schedule cosine
            --mlp-width 16 --mlp-depth 3 --time-dim 8 --fourier 0"
    embedder="--gcn-layers 2 --gcn-width 8 --embed-dim 4 --knn 5 --embed-cells 64
              --embed-draws 2 --embed-noise 0.2"
    solver="--solver rk4 --steps 2"
    cap=200
    pops="Y_0"
else
    data_opts=""
    budget="--steps 12000 --pops-per-step 8 --cells-per-pop 128 --lr 1e-3 --lr-schedule cosine
            --mlp-width 128 --mlp-depth 4 --time-dim 32 --fourier 64 --fourier-sigma 0.3"
    embedder="--gcn-layers 3 --gcn-width 64 --embed-dim 32 --knn 15 --embed-cells 512
              --embed-draws 8 --embed-noise 0.2"
    solver="--solver rk4 --steps 20"
    cap=5000
    pops="Y_0 X_0"
fi
task="--experiment-key population,split --treatment-key role --control source
      --holdout split=val,test --fm paired --standardize none --rep X"

timings=$out/timings.tsv
printf 'stage\tseconds\n' >"$timings"
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "host cpus: $(nproc) ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p'))"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "mfm: $mfm"
    echo "seed: $seed, threads: $threads, tiny: $tiny"
    echo "task: $task" | tr -s ' \n' ' '
    echo
    echo "budget (every model): $budget" | tr -s ' \n' ' '
    echo
    echo "embedder (mfm only): $embedder" | tr -s ' \n' ' '
    echo
    echo "predict: $solver"
} >"$out/machine.txt"

stage() {
    name=$1
    shift
    ts=$(now)
    if ! "$@" >"$out/$name.log" 2>&1; then
        echo "letters_experiment: stage '$name' failed; its output ($out/$name.log):" >&2
        tail -n 20 "$out/$name.log" >&2
        exit 1
    fi
    s=$(elapsed "$ts" "$(now)")
    printf '%s\t%s\n' "$name" "$s" >>"$timings"
    echo "letters_experiment: $name $s s"
}

t0=$(now)
# shellcheck disable=SC2086 # the option lists are meant to split
stage letters "$mfm" letters --out "$out/letters.h5ad" --seed "$seed" $data_opts
for m in fm cgfm mfm; do
    extra=
    [ "$m" = mfm ] && extra=$embedder
    # shellcheck disable=SC2086
    stage "train_$m" "$mfm" train "$out/letters.h5ad" --out "$out/$m" --model "$m" $task $budget $extra \
        --seed "$seed" --threads "$threads" --log-every 500
    truth=
    [ "$m" = fm ] && truth="--truth-out $out/truth.h5ad"
    # shellcheck disable=SC2086
    stage "predict_$m" "$mfm" predict "$out/$m" "$out/letters.h5ad" --out "$out/pred_$m.h5ad" $truth \
        $solver --threads "$threads"
done
stage eval "$mfm" eval --pred "$out/pred_fm.h5ad" --pred "$out/pred_cgfm.h5ad" --pred "$out/pred_mfm.h5ad" \
    --truth "$out/truth.h5ad" --out "$out/report" --by population,split --control-key role \
    --control source --split-key split --train-value train --cap "$cap" --seed "$seed"
popargs=
for p in $pops; do popargs="$popargs --population $p"; done
# shellcheck disable=SC2086
stage plot "$mfm" letters --plot-pred "$out/letters_Y.png" --data "$out/letters.h5ad" \
    --pred "$out/pred_fm.h5ad" --pred "$out/pred_cgfm.h5ad" --pred "$out/pred_mfm.h5ad" $popargs --panel 200
total=$(elapsed "$t0" "$(now)")
printf 'total\t%s\n' "$total" >>"$timings"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"

/usr/bin/python3 "$root/tools/letters_summary.py" "$out/report/metrics.csv" --seed "$seed" \
    --tsv "$out/summary.tsv" >"$out/summary.md"
cat "$out/summary.md"
echo
echo "letters_experiment: total wall time $total s (data, 3 trainings, predictions, evaluation, figure;" \
    "build excluded); stages in $timings"
