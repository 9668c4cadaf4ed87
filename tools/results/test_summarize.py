#!/usr/bin/python3
"""tools/results/test_summarize.py — checks of summarize.py (Debian's
python3 with scipy): its Wilcoxon signed-rank p against
scipy.stats.wilcoxon (exact and normal-approximation cases, with ties and
zeros), and its tables on a small made-up OUT_DIR with three models, three
seeds and two held-out populations (means and spreads over seeds, interval
verdicts against the strongest baseline, mfm against cgfm and fm).
Exit status 0 when every check passes.  Run: /usr/bin/python3 tools/results/test_summarize.py
"""
import contextlib
import csv
import io
import json
import math
import os
import sys
import tempfile

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summarize  # noqa: E402

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def check_wilcoxon():
    rng = np.random.default_rng(3)
    cases = [
        [0.5, -1.25, 2.0, 3.5, -0.75, 4.0, 1.5, 2.5],      # exact, 8 of 8 (no ties)
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],          # all positive: p = 2 / 2^8
        [0.5, -0.5, 1.0, 2.0, 2.0, -3.0, 4.0],             # ties: normal approximation
        [0.0, 1.0, -2.0, 3.0, 4.5, 5.0, 0.0, 6.0],         # zeros: dropped, approximation
        list(rng.normal(0.3, 1.0, 30)),                    # n > 25: approximation
        list(rng.normal(0.0, 1.0, 12)),
    ]
    for d in cases:
        p, exact = summarize.wilcoxon(d)
        nz = [x for x in d if x != 0]
        no_ties = len({abs(x) for x in nz}) == len(nz)
        want_exact = len(nz) <= 25 and no_ties and len(nz) == len(d)
        check(exact == want_exact, f"wilcoxon exact flag {exact} for {d[:4]}...")
        mode = "exact" if want_exact else "approx"
        ref = stats.wilcoxon(d, zero_method="wilcox", correction=False, mode=mode).pvalue
        check(abs(p - ref) <= 1e-12 * max(1.0, ref), f"wilcoxon p {p} vs scipy {ref} ({mode})")
    check(summarize.wilcoxon([0.0, 0.0]) == (1.0, True), "wilcoxon of zeros is p = 1")


def write_run(root, task, item, seed, rows, intervals):
    d = os.path.join(root, task, f"seed{seed}", item, "report")
    os.makedirs(d, exist_ok=True)
    keys = summarize.LOWER + summarize.HIGHER
    with open(os.path.join(d, "metrics.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["method"] + keys)
        for m, v in rows.items():
            w.writerow([m] + [v.get(k, "nan") for k in keys])
    rep = {"populations": [{"results": {m: {"intervals": iv} for m, iv in intervals.items()}}]}
    with open(os.path.join(d, "report.json"), "w") as f:
        json.dump(rep, f)
    with open(os.path.join(root, task, f"seed{seed}", item, "timings.tsv"), "w") as f:
        f.write("train mfm\t40.0\ntrain cgfm\t30.0\ntrain fm\t20.0\npredict mfm\t1.0\neval\t2.0\n")


def made_up(root):
    """Two patients, seeds 0-2.  W1: baselines identity 5, average_effect 4
    (the strongest); mfm 3 + 0.1 seed (interval disjoint below), cgfm 4.05
    (overlaps average_effect), fm 6 (disjoint above = worse).  Patient B:
    mfm's W1 is 4.2 + 0.1 seed (worse than average_effect's 4 only in
    seed 2, disjoint; overlap otherwise)."""
    for it in ("PatientA", "PatientB"):
        for s in (0, 1, 2):
            w1 = {"identity": 5.0, "average_effect": 4.0, "oracle_mean_shift": 1.0,
                  "cgfm": 4.05, "fm": 6.0,
                  "mfm": (3.0 if it == "PatientA" else 4.2) + 0.1 * s}
            rows = {m: {"W1": v, "W2": v + 0.5, "MMD": v / 100, "energy": v / 10}
                    for m, v in w1.items()}
            half = {m: 0.1 for m in w1}
            if it == "PatientB" and s < 2:
                half["mfm"] = 0.3
            ivs = {m: {k: [rows[m][k] - half[m] * (1 if k == "W1" else 0),
                           rows[m][k] + half[m] * (1 if k == "W1" else 0)] for k in ("W1",)}
                   for m in w1}
            write_run(root, "bodenmiller", it, s, rows, ivs)


def check_tables():
    with tempfile.TemporaryDirectory() as root:
        made_up(root)
        buf = io.StringIO()
        old = sys.argv
        sys.argv = ["summarize.py", root, "--csv", os.path.join(root, "all.csv")]
        try:
            with contextlib.redirect_stdout(buf):
                summarize.main()
        finally:
            sys.argv = old
        out = buf.getvalue()
        with open(os.path.join(root, "all.csv")) as f:
            n_rows = sum(1 for _ in f) - 1
    check(n_rows == 2 * 3 * 6, f"CSV has {n_rows} rows, want 36")
    check("seeds [0, 1, 2], models mfm, cgfm, fm" in out, "section header names seeds and models")
    # the W1 table: mean +- sd over seeds (3.1 +- 0.1 for PatientA's mfm)
    check("| PatientA | 3.1 ± 0.1 | 4.05 | 6 | 5 | 4 | 1 |" in out, "W1 row of PatientA")
    # strongest baseline on W1 is average_effect, not the oracle
    check("strongest non-oracle baseline on W1, **average_effect**" in out, "strongest baseline")
    check("| PatientA | 0 | 3 [2.9, 3.1] | 4.05 [3.95, 4.15] | 6 [5.9, 6.1] | 4 [3.9, 4.1] | "
          "better | overlap | **worse** |" in out, "interval row PatientA seed 0")
    check("| PatientB | 2 | 4.4 [4.3, 4.5] |" in out and
          "| PatientB | 2 | 4.4 [4.3, 4.5] | 4.05 [3.95, 4.15] | 6 [5.9, 6.1] | 4 [3.9, 4.1] | "
          "**worse** | overlap | **worse** |" in out, "interval row PatientB seed 2")
    check("Tally: mfm: 3 better, 2 overlap, 1 worse; cgfm: 6 overlap; fm: 6 worse." in out,
          "W1 tally per model")
    # seed spread: PatientB's mfm: 4.3 +- 0.1, 0 better / 2 overlap / 1 worse
    check("| PatientB | 4.3 ± 0.1 (n = 3: 0/2/1) | 4.05 (n = 3: 0/3/0) | 6 (n = 3: 0/0/3) | 4 |" in out,
          "seed spread row PatientB")
    check("| PatientA | 3.6 ± 0.1 (n = 3: no interval) |" in out, "seed spread without intervals")
    # mfm vs fm: disjoint below everywhere on W1
    check("Tally (mfm vs fm): 6 better" in out, "mfm vs fm tally")
    # paired over the two patients: mfm better than fm on W1 in 2 of 2
    check("| fm | 2/2, p = 0.5 e |" in out, "paired test mfm vs fm")
    check("Wall time (bodenmiller)" in out and "train mfm 40 s" in out, "wall times")


def main():
    check_wilcoxon()
    check_tables()
    if FAILS:
        print(f"{len(FAILS)} check(s) failed")
        return 1
    print("test_summarize: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
