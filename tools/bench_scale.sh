#!/bin/bash
# tools/bench_scale.sh — the scale-out benchmarks of docs/performance.md
# (issue 13): resident memory of train / predict / eval on simulated screens
# of growing size, strong scaling of training on 1 and 2 ranks, and predict +
# eval wall time on 1 and 2 ranks.
#
#   bash tools/bench_scale.sh WORK_DIR [mem] [scale] [pe]
#
# WORK_DIR: a scratch directory outside the repository (the screens are
# 0.09, 0.37 and 1.7 GB; delete it afterwards).  Parts: mem (a), scale (b),
# pe (c); default all.  Environment: MFM (an MPI build's binary, default
# build-mpi/app/mfm), MPIRUN (mpirun), CELLS ("735 2941 14706": cells per
# population of the 680-population screens = 0.5 M, 2 M, 10 M cells), CAP
# (--max-cells-per-pop, 200), MEM_STEPS (3), SCALE_STEPS (200), PPS ("4
# 16": the --pops-per-step values of part b, one row each), PE_CELLS (2941:
# the screen of parts b and c), PE_CAP (the cap of part c, default CAP;
# 0 = every cell), MPIRUN_ARGS (more mpirun options, e.g.
# "--mca pml ob1": Open MPI's single-machine transport, which starts each
# command about 0.25 s sooner than the default UCX probing; printed with
# every part).  Every figure is printed with the `uptime`
# taken right after it: on a shared machine the wall times are loaded, so
# the CPU time (user + sys) of each rank is printed too.  Peak resident
# memory: /usr/bin/time -f %M (of mpirun's largest rank when run under
# mpirun: each rank is timed separately).
set -euo pipefail
W=${1:?usage: bench_scale.sh WORK_DIR [mem] [scale] [pe]}
shift
PARTS=${*:-mem scale pe}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MFM=${MFM:-$ROOT/build-mpi/app/mfm}
MPIRUN=${MPIRUN:-mpirun}
CELLS=${CELLS:-735 2941 14706}
CAP=${CAP:-200}
MEM_STEPS=${MEM_STEPS:-3}
SCALE_STEPS=${SCALE_STEPS:-200}
PPS=${PPS:-4 16}
PE_CELLS=${PE_CELLS:-2941}
PE_CAP=${PE_CAP:-$CAP}
export MFM_PROBE_TIMEOUT=${MFM_PROBE_TIMEOUT:-0}
MPIRUN_ARGS=${MPIRUN_ARGS:-}
MPI="$MPIRUN --allow-run-as-root --oversubscribe $MPIRUN_ARGS"
TRAIN="--experiment-key patient,culture --treatment-key treatment --control control
       --holdout patient=P10 --threads 1 --quiet --seed 1"
mkdir -p "$W"
cd "$W"

screen() { # cells per population -> file name (made once)
    local f=s$1.h5ad
    [ -f "$f" ] || nice -n 5 "$MFM" simulate-screen --out "$f" --cells "$1" --seed 5 >/dev/null
    echo "$f"
}

# run LABEL CMD...: one line "LABEL peak_rss_MB wall_s | uptime"; under
# mpirun every rank writes its own time file (in a directory of this run:
# two copies of the script may share WORK_DIR) and the largest peak counts.
TD=$(mktemp -d)
trap 'rm -rf "$TD"' EXIT
run() {
    local label=$1
    shift
    rm -f "$TD"/time.*
    local t0 t1
    t0=$(date +%s.%N)
    if [ "${1:-}" = mpi ]; then
        local np=$2
        shift 2
        $MPI -np "$np" sh -c 'd=$1; shift; /usr/bin/time -f "%M %U %S" -o "$d/time.$OMPI_COMM_WORLD_RANK" "$@"' sh "$TD" "$@"
    else
        /usr/bin/time -f "%M %U %S" -o "$TD/time.0" "$@"
    fi
    t1=$(date +%s.%N)
    local kb cpu
    kb=$(cat "$TD"/time.* | grep -E '^[0-9]+ ' | awk '{print $1}' | sort -n | tail -1)
    cpu=$(cat "$TD"/time.* | grep -E '^[0-9]+ ' | awk '{printf "%s%.2f", (NR > 1 ? "+" : ""), $2 + $3}')
    printf '%-40s peak %6.0f MB  wall %7.1f s  cpu %s s  | %s\n' "$label" "$(echo "$kb / 1024" | bc -l)" \
        "$(echo "$t1 - $t0" | bc -l)" "$cpu" "$(uptime | sed 's/.*load/load/')"
    LAST_WALL=$(echo "$t1 - $t0" | bc -l)
}

if [[ " $PARTS " == *" mem "* ]]; then
    echo "== (a) peak resident memory, --max-cells-per-pop $CAP, 1 process, $MEM_STEPS train steps"
    for c in $CELLS; do
        f=$(screen "$c")
        n=$((c * 680))
        rm -rf "m$c" "e$c"
        run "train   $n cells" nice -n 5 "$MFM" train "$f" --out "m$c" $TRAIN --steps "$MEM_STEPS" \
            --max-cells-per-pop "$CAP"
        run "predict $n cells" nice -n 5 "$MFM" predict "m$c" "$f" --out "p$c.h5ad" --truth-out "t$c.h5ad" \
            --max-cells-per-pop "$CAP" --threads 1 --quiet
        run "eval    $n cells" nice -n 5 "$MFM" eval --model "m$c" --pred "p$c.h5ad" --truth "t$c.h5ad" \
            --out "e$c" --max-cells-per-pop "$CAP"
        if [ "$c" != "${CELLS##* }" ]; then # no cap: the largest screen is left out
            rm -rf "m${c}u"
            run "train   $n cells, no cap" nice -n 5 "$MFM" train "$f" --out "m${c}u" $TRAIN --steps "$MEM_STEPS"
        fi
    done
fi

if [[ " $PARTS " == *" scale "* ]]; then
    f=$(screen "$PE_CELLS")
    for pps in $PPS; do
        echo "== (b) training, $SCALE_STEPS steps, --pops-per-step $pps, --max-cells-per-pop $CAP, 1 thread per rank ($f), mpirun options: ${MPIRUN_ARGS:-none}"
        for np in 1 2; do
            o=ms$np
            [ "$pps" = 4 ] || o=ms${np}p$pps
            rm -rf "$o"
            run "train np=$np pps=$pps" mpi "$np" "$MFM" train "$f" --out "$o" $TRAIN --steps "$SCALE_STEPS" \
                --max-cells-per-pop "$CAP" --pops-per-step "$pps"
            # steps/s from the log: the time of the last step minus the first's (loading excluded)
            awk -F, -v np="$np" -v pps="$pps" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") c = i }
                 NR == 2 { t0 = $c; s0 = $1 } END { if (c && $c > t0) printf "  np=%s pps=%s: %.2f steps/s over steps %d..%d (train_log.csv)\n", np, pps, ($1 - s0) / ($c - t0), s0, $1 }' "$o/train_log.csv"
        done
        o1=ms1 o2=ms2
        [ "$pps" = 4 ] || { o1=ms1p$pps; o2=ms2p$pps; }
        cmp -s <(cut -d, -f1-3 "$o1/train_log.csv") <(cut -d, -f1-3 "$o2/train_log.csv") &&
            echo "  train_log.csv losses: identical for 1 and 2 ranks" ||
            echo "  train_log.csv losses: DIFFER between 1 and 2 ranks"
    done
fi

if [[ " $PARTS " == *" pe "* ]]; then
    f=$(screen "$PE_CELLS")
    n=$((PE_CELLS * 680))
    [ -f "ms1/model.ckpt" ] || "$MFM" train "$f" --out ms1 $TRAIN --steps 5 --max-cells-per-pop "$CAP"
    echo "== (c) predict + eval wall time, $n cells, --max-cells-per-pop $PE_CAP (0 = every cell), mpirun options: ${MPIRUN_ARGS:-none}"
    for np in 1 2; do
        rm -rf "pe$np"
        run "predict np=$np" mpi "$np" "$MFM" predict ms1 "$f" --out "pp$np.h5ad" --truth-out "pt$np.h5ad" \
            --max-cells-per-pop "$PE_CAP" --threads 1 --quiet
        pw=$LAST_WALL
        run "eval np=$np" mpi "$np" "$MFM" eval --model ms1 --pred "pp$np.h5ad" --truth "pt$np.h5ad" --out "pe$np"
        eval "total$np=$(echo "$pw + $LAST_WALL" | bc -l)"
    done
    printf '  predict + eval wall: %.2f s on 1 rank, %.2f s on 2 ranks: %.2fx\n' "$total1" "$total2" \
        "$(echo "$total1 / $total2" | bc -l)"
    cmp -s pe1/metrics.csv pe2/metrics.csv && echo "  metrics.csv: identical for 1 and 2 ranks" ||
        echo "  metrics.csv: DIFFERS between 1 and 2 ranks"
fi
