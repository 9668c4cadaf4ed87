#!/usr/bin/python3
"""tools/results/screen_summary.py OUT_DIR [CSV_DIR] — the tables of
docs/results.md, "Drug screens", from screen_design.sh's reports.

Reads OUT_DIR/screen_design/seed<S>/<question>/report/{metrics.csv,
report.json} and prints Markdown: per question, every method's W1, W2,
MMD and energy as the mean over the held-out populations per seed, then
mean +- sd over the seeds (a baseline that exists for only some
populations is marked with the count: its mean is over those only), and
MFM's paired Wilcoxon signed-rank tests (mfm eval's, over the held-out
populations) against every other method per seed.  With CSV_DIR also
writes screen_means.csv (question, method, metric, seed, mean,
populations) and screen_wilcoxon.csv (question, seed, metric, other,
populations, mfm_better, other_better, p) there.  Standard library only.
"""
import csv
import glob
import json
import math
import os
import statistics
import sys
from collections import defaultdict

QUESTIONS = [("patients", "unseen patients x seen treatments (P07, P08 held out)"),
             ("combos", "seen patients x unseen combinations (D1+D2 synergistic, D2+D3 additive, held out everywhere)"),
             ("doses", "unseen dose inside the measured range (1 of 0.3, 1, 3 held out everywhere)")]
METHODS = ["mfm", "cgfm", "fm", "identity", "average_effect", "average_effect_same_culture",
           "additive", "dose_interpolation", "train_mean_shift", "oracle_mean_shift"]
METRICS = ["W1", "W2", "MMD", "energy"]


def load(out):
    """{question: {seed: (rows, report)}}; rows = metrics.csv dicts."""
    res = defaultdict(dict)
    for path in sorted(glob.glob(os.path.join(out, "screen_design", "seed*", "*", "report", "metrics.csv"))):
        parts = path.split(os.sep)
        q, seed = parts[-3], int(parts[-4][4:])
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        with open(os.path.join(os.path.dirname(path), "report.json")) as f:
            rep = json.load(f)
        res[q][seed] = (rows, rep)
    return res


def per_seed_means(rows):
    """{method: {metric: (mean over populations, populations)}}, populations total."""
    vals = defaultdict(lambda: defaultdict(list))
    pops = set()
    for r in rows:
        pops.add(r["population"])
        for k in METRICS:
            v = r.get(k, "")
            if v not in ("", "nan"):
                vals[r["method"]][k].append(float(v))
    return {m: {k: (statistics.fmean(v), len(v)) for k, v in d.items() if v} for m, d in vals.items()}, len(pops)


def fmt(vals):
    if not vals:
        return "n/a"
    m = statistics.fmean(vals)
    s = f"{m:.4g}"
    if len(vals) > 1 and max(vals) > min(vals):
        s += f" ± {statistics.stdev(vals):.2g}"
    return s


def question_table(q, title, seeds, means_csv):
    print(f"\n### {title}\n")
    print(f"Held-out populations per seed: {', '.join(str(seeds[s][1]) for s in sorted(seeds))} "
          f"(seeds {', '.join(map(str, sorted(seeds)))}); mean over the populations, then mean ± sd over "
          "the seeds; lower is better.\n")
    print("| method | " + " | ".join(METRICS) + " |")
    print("|---|" + "---|" * len(METRICS))
    have = {m for s in seeds.values() for m in s[0]}
    for m in [m for m in METHODS if m in have]:
        cells = []
        for k in METRICS:
            per, counts = [], set()
            for s in sorted(seeds):
                means, total = seeds[s]
                if k in means.get(m, {}):
                    v, n = means[m][k]
                    per.append(v)
                    counts.add((n, total))
                    means_csv.append([q, m, k, s, f"{v:.6g}", n])
            c = fmt(per)
            partial = [f"{n}/{t}" for n, t in counts if n < t]
            if partial:
                c += f" ({', '.join(sorted(partial))} pops)"
            cells.append(c)
        print(f"| {m} | " + " | ".join(cells) + " |")


def wilcoxon_table(q, reps, wil_csv):
    """MFM against every other method: 'mfm better / other better (p)' per seed."""
    print("\nMFM against each method, paired over the held-out populations (mfm eval's Wilcoxon "
          "signed-rank test): populations where MFM is better / worse, p; per seed.\n")
    others = defaultdict(dict)
    for s in sorted(reps):
        for c in reps[s].get("comparisons", []):
            if c["a"] != "mfm" or c["metric"] not in METRICS:
                continue
            others[(c["b"], c["metric"])][s] = c
            wil_csv.append([q, s, c["metric"], c["b"], c["populations"], c["a_better"], c["b_better"],
                            f"{c['p']:.3g}" if c.get("p") is not None else ""])
    names = [m for m in METHODS if m != "mfm" and any((m, k) in others for k in METRICS)]
    print("| vs | " + " | ".join(METRICS) + " |")
    print("|---|" + "---|" * len(METRICS))
    for b in names:
        cells = []
        for k in METRICS:
            d = others.get((b, k), {})
            cells.append("; ".join(
                f"{d[s]['a_better']}/{d[s]['b_better']}"
                + (f" (p={d[s]['p']:.2g})" if d[s].get("p") is not None and not math.isnan(d[s]["p"]) else "")
                for s in sorted(d)) or "n/a")
        print(f"| {b} | " + " | ".join(cells) + " |")


def main():
    if len(sys.argv) < 2:
        print("usage: screen_summary.py OUT_DIR [CSV_DIR]", file=sys.stderr)
        return 2
    res = load(sys.argv[1])
    if not res:
        print(f"screen_summary: no reports under {sys.argv[1]}/screen_design", file=sys.stderr)
        return 1
    means_csv, wil_csv = [], []
    for q, title in QUESTIONS:
        if q not in res:
            continue
        seeds = {s: per_seed_means(rows) for s, (rows, _) in res[q].items()}
        question_table(q, title, seeds, means_csv)
        wilcoxon_table(q, {s: rep for s, (_, rep) in res[q].items()}, wil_csv)
    if len(sys.argv) > 2:
        os.makedirs(sys.argv[2], exist_ok=True)
        with open(os.path.join(sys.argv[2], "screen_means.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["question", "method", "metric", "seed", "mean", "populations"])
            w.writerows(means_csv)
        with open(os.path.join(sys.argv[2], "screen_wilcoxon.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["question", "seed", "metric", "other", "populations", "mfm_better", "other_better", "p"])
            w.writerows(wil_csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
