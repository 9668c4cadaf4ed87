#!/usr/bin/python3
"""Per-split summary of the letters experiment (tools/letters_experiment.sh).

Reads the metrics.csv that `mfm eval` wrote (one row per population x
method) and prints, for every method, the mean (and standard deviation over
the populations) of W1, W2 and MMD on the validation letter (split val) and
the test letter (split test); then the margins of MFM over FM and CGFM and
whether MFM is better than both on W2 and MMD on both splits (the
acceptance criterion of issue 4).

  letters_summary.py METRICS.csv [--seed S] [--tsv OUT.tsv]

--tsv appends one line per (seed, method, split) with the means, so that
several seeds can be collected in one file.  Exit code 0 whether or not
the criterion holds (it is reported, not enforced); 1 for unreadable input.
Needs only the standard library and numpy.
"""
import argparse
import csv
import sys

import numpy as np

METRICS = ("W1", "W2", "MMD")
SPLITS = (("val", "X (val)"), ("test", "Y (test)"))
ORDER = ("fm", "cgfm", "mfm", "identity", "train_mean_shift", "oracle_mean_shift")


def read(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        sys.exit(f"letters_summary: {path}: empty file")
    head = rows[0]
    need = ("split", "method") + METRICS
    missing = [k for k in need if k not in head]
    if missing:
        sys.exit(f"letters_summary: {path}: no column {', '.join(missing)} (columns: {', '.join(head)})")
    col = {k: head.index(k) for k in need}
    per = {}
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != len(head):
            sys.exit(f"letters_summary: {path}: line {i} has {len(r)} fields, the header {len(head)}")
        key = (r[col["method"]], r[col["split"]])
        try:
            vals = [float(r[col[m]]) for m in METRICS]
        except ValueError:
            sys.exit(f"letters_summary: {path}: line {i}: a metric is not a number: {r}")
        per.setdefault(key, []).append(vals)
    return {k: np.array(v, dtype=np.float64) for k, v in per.items()}


def fmt(x):
    return f"{x:.4f}" if abs(x) >= 0.01 else f"{x:.5f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("metrics")
    ap.add_argument("--seed", default="?")
    ap.add_argument("--tsv")
    a = ap.parse_args()
    per = read(a.metrics)
    methods = [m for m in ORDER if any((m, s) in per for s, _ in SPLITS)]
    methods += sorted({m for m, _ in per} - set(methods))

    print(f"seed {a.seed}: mean over the populations of each split (sd over populations)")
    print()
    print("| method | split | pops | W1 | W2 | MMD |")
    print("|---|---|---|---|---|---|")
    for m in methods:
        for s, label in SPLITS:
            v = per.get((m, s))
            if v is None:
                continue
            mu, sd = v.mean(axis=0), v.std(axis=0, ddof=1) if len(v) > 1 else np.zeros(3)
            cells = " | ".join(f"{fmt(mu[j])} ({fmt(sd[j])})" for j in range(3))
            print(f"| {m} | {label} | {len(v)} | {cells} |")
    print()

    ok = True
    if not all((m, s) in per for m in ("fm", "cgfm", "mfm") for s, _ in SPLITS):
        print("criterion: cannot be checked (fm, cgfm and mfm are needed on val and test)")
        ok = False
    else:
        print("margins of MFM (other - mfm; positive = MFM better), relative to the other method,")
        print("and the populations where MFM is better:")
        print()
        print("| vs | split | W1 | W2 | MMD |")
        print("|---|---|---|---|---|")
        for other in ("fm", "cgfm"):
            for s, label in SPLITS:
                o, f = per[(other, s)], per[("mfm", s)]
                if o.shape != f.shape:
                    sys.exit(f"letters_summary: {other} and mfm have different populations on {s}")
                cells = []
                for j, name in enumerate(METRICS):
                    d = o[:, j].mean() - f[:, j].mean()
                    wins = int((f[:, j] < o[:, j]).sum())
                    cells.append(f"{d:+.4g} ({100 * d / o[:, j].mean():+.1f} %, {wins}/{len(f)})")
                    if name in ("W2", "MMD") and not d > 0:
                        ok = False
                print(f"| {other} | {label} | " + " | ".join(cells) + " |")
        print()
        print("criterion (MFM better than FM and CGFM on W2 and MMD on X and Y): "
              + ("MET" if ok else "NOT MET"))
    if a.tsv:
        with open(a.tsv, "a") as fh:
            for m in methods:
                for s, _ in SPLITS:
                    v = per.get((m, s))
                    if v is not None:
                        mu = v.mean(axis=0)
                        fh.write(f"{a.seed}\t{m}\t{s}\t{len(v)}\t" + "\t".join(f"{x:.6g}" for x in mu) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
