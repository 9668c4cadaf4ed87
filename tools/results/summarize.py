#!/usr/bin/python3
"""tools/results/summarize.py OUT_DIR [--csv FILE] — the tables of docs/results.md
(and, with --csv, every value and interval as one CSV).

Reads every OUT_DIR/<task>/seed<S>/<held-out...>/report/metrics.csv written
by bodenmiller.sh, kang.sh and emt.sh (and their timings.tsv) and prints
Markdown: per held-out population and metric, each method's value as the
mean over the seeds found +- their standard deviation (ddof = 1; omitted
with one seed), the mean over held-out populations, whether MFM beats the
identity, average-effect and train-mean-shift baselines (all
computed by mfm eval itself), and the wall times.  From report.json: the
95 % bootstrap intervals of MFM and of the strongest non-oracle baseline
(best mean over the held-out populations) per metric, with a verdict per
population ("better"/"worse" when the intervals are disjoint, else
"overlap").
Environment: REPORT names the report directory read in every run
(default "report"; "report_pca" for Kang in the model's PCA space).
Standard library only.
"""
import csv
import json
import glob
import math
import os
import statistics
import sys
from collections import defaultdict

METHODS = ["mfm", "cgfm", "fm", "identity", "average_effect", "train_mean_shift", "additive",
           "previous_time_point", "next_time_point", "mean_interpolation",
           "mccann_interpolation", "oracle_mean_shift"]
MODELS = {"mfm", "cgfm", "fm"}
ORACLE = "oracle_mean_shift"
LOWER = ["W1", "W2", "MMD", "energy", "E_distance", "mean_L2", "mean_MSE", "mean_L1"]
HIGHER = ["r_pairwise_corr", "R2_means", "pearson_delta"]
REPORT = os.environ.get("REPORT", "report")


def load(out, task):
    """{item: {seed: {method: {metric: value}}}} for one task."""
    res = defaultdict(dict)
    pat = os.path.join(out, task, "seed*", "**", REPORT, "metrics.csv")
    for path in sorted(glob.glob(pat, recursive=True)):
        rel = os.path.relpath(path, os.path.join(out, task)).split(os.sep)
        seed = int(rel[0][4:])
        item = "/".join(rel[1:-2])
        rows = {}
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                rows[r["method"]] = {k: float(v) for k, v in r.items()
                                     if k in LOWER + HIGHER}
        res[item][seed] = rows
    return res


def load_intervals(out, task):
    """{item: {seed: {method: {metric: (lo, hi)}}}} from report.json."""
    res = defaultdict(dict)
    pat = os.path.join(out, task, "seed*", "**", REPORT, "report.json")
    for path in sorted(glob.glob(pat, recursive=True)):
        rel = os.path.relpath(path, os.path.join(out, task)).split(os.sep)
        with open(path) as f:
            rep = json.load(f)
        rows = {}
        for pop in rep.get("populations", []):
            for m, r in pop.get("results", {}).items():
                iv = r.get("intervals") or {}
                rows[m] = {k: tuple(v) for k, v in iv.items() if v}
        res["/".join(rel[1:-2])][int(rel[0][4:])] = rows
    return res


def fmt(vals, digits=4):
    vals = [v for v in vals if v is not None and not math.isnan(v)]
    if not vals:
        return "n/a"
    m = statistics.fmean(vals)
    s = f"{m:.{digits}g}"
    if len(vals) > 1 and max(vals) > min(vals):  # no "± 0" for seed-free baselines
        s += f" ± {statistics.stdev(vals):.2g}"
    return s


def val(res, item, seed, method, metric):
    return res[item].get(seed, {}).get(method, {}).get(metric)


def seeds_of(res):
    return sorted({s for it in res.values() for s in it})


def methods_of(res):
    have = {m for it in res.values() for s in it.values() for m in s}
    return [m for m in METHODS if m in have] + sorted(have - set(METHODS))


def strongest(res, items, metric):
    """The non-oracle baseline with the best mean over every item and seed."""
    best, best_v = None, None
    for m in methods_of(res):
        if m in MODELS or m == ORACLE:
            continue
        v = [val(res, it, s, m, metric) for it in items for s in seeds_of(res)]
        v = [x for x in v if x is not None and not math.isnan(x)]
        if len(v) < len(items):
            continue
        mv = statistics.fmean(v)
        if best is None or (mv > best_v if metric in HIGHER else mv < best_v):
            best, best_v = m, mv
    return best


def cell(v, iv):
    if v is None or math.isnan(v):
        return "n/a"
    return f"{v:.4g} [{iv[0]:.4g}, {iv[1]:.4g}]" if iv else f"{v:.4g}"


def interval_table(res, ivs, items, metrics, label, model="mfm"):
    """Per item and seed: the model and the strongest baseline with their
    95 % intervals, and who wins where the intervals are disjoint."""
    for k in metrics:
        b = strongest(res, items, k)
        if b is None:
            continue
        print(f"\n**{k}** with 95 % bootstrap intervals: {model} against the strongest "
              f"baseline on {k}, **{b}** ({'higher' if k in HIGHER else 'lower'} is better)\n")
        print(f"| {label} | seed | {model} | {b} | verdict |")
        print("|---|---|---|---|---|")
        tally = defaultdict(int)
        for it in items:
            for s in seeds_of(res):
                a, c = val(res, it, s, model, k), val(res, it, s, b, k)
                ia = ivs.get(it, {}).get(s, {}).get(model, {}).get(k)
                ic = ivs.get(it, {}).get(s, {}).get(b, {}).get(k)
                if a is None or c is None:
                    continue
                if ia and ic and (ia[1] < ic[0] or ic[1] < ia[0]):
                    w = better(a, c, k)
                    v = f"{model} better" if w else f"**{model} worse**"
                else:
                    v = "overlap" if ia and ic else ("better" if better(a, c, k) else "**worse**") + " (no interval)"
                tally[v] += 1
                print(f"| {it} | {s} | {cell(a, ia)} | {cell(c, ic)} | {v} |")
        print("\nTally: " + ", ".join(f"{n} × {v}" for v, n in sorted(tally.items())) + ".")


def means_table(res, items, metrics):
    """Rows = methods, columns = metrics: mean over the held-out populations
    per seed, then mean +- sd over seeds."""
    seeds, methods = seeds_of(res), methods_of(res)
    print("\nMean over the held-out populations, every metric "
          "(↓ lower is better, ↑ higher is better):\n")
    print("| method | " + " | ".join(f"{k} {'↑' if k in HIGHER else '↓'}" for k in metrics) + " |")
    print("|---|" + "---|" * len(metrics))
    for m in methods:
        cells = []
        for k in metrics:
            per_seed = []
            for s in seeds:
                v = [val(res, it, s, m, k) for it in items]
                if all(x is not None and not math.isnan(x) for x in v):
                    per_seed.append(statistics.fmean(v))
            cells.append(fmt(per_seed))
        print(f"| {m} | " + " | ".join(cells) + " |")


def metric_table(res, metric, items, label, with_mean=True):
    seeds, methods = seeds_of(res), methods_of(res)
    print(f"\n**{metric}** ({'higher' if metric in HIGHER else 'lower'} is better)\n")
    print(f"| {label} | " + " | ".join(methods) + " |")
    print("|---|" + "---|" * len(methods))
    for it in items:
        print(f"| {it} | " + " | ".join(
            fmt([val(res, it, s, m, metric) for s in seeds]) for m in methods) + " |")
    if with_mean and len(items) > 1:
        # mean over held-out populations per seed, then mean +- sd over seeds
        cells = []
        for m in methods:
            per_seed = []
            for s in seeds:
                v = [val(res, it, s, m, metric) for it in items]
                if all(x is not None and not math.isnan(x) for x in v):
                    per_seed.append(statistics.fmean(v))
            cells.append(fmt(per_seed))
        print("| **mean** | " + " | ".join(f"**{c}**" for c in cells) + " |")


def better(a, b, metric):
    if a is None or b is None or math.isnan(a) or math.isnan(b):
        return None
    return a > b if metric in HIGHER else a < b


def verdict(res, items, metrics, model="mfm", baselines=("identity", "train_mean_shift")):
    seeds = seeds_of(res)
    print(f"\n{model.upper()} against the baselines, per held-out population and seed "
          f"(number of the {len(metrics)} metrics {', '.join(metrics)} on which "
          f"{model.upper()} is better):\n")
    print("| held out | seed | " + " | ".join(f"vs {b}" for b in baselines) + " |")
    print("|---|---|" + "---|" * len(baselines))
    tot = defaultdict(lambda: [0, 0])
    for it in items:
        for s in seeds:
            cells = []
            for b in baselines:
                w = [better(val(res, it, s, model, k), val(res, it, s, b, k), k) for k in metrics]
                w = [x for x in w if x is not None]
                if not w:
                    cells.append("n/a")
                    continue
                tot[b][0] += sum(w)
                tot[b][1] += len(w)
                cells.append(f"{sum(w)}/{len(w)}")
            print(f"| {it} | {s} | " + " | ".join(cells) + " |")
    print("| **all** | | " + " | ".join(
        f"**{tot[b][0]}/{tot[b][1]}**" if tot[b][1] else "n/a" for b in baselines) + " |")


def timings(out, task):
    per = defaultdict(list)
    total = 0.0
    for path in glob.glob(os.path.join(out, task, "seed*", "**", "timings.tsv"), recursive=True):
        with open(path) as f:
            for line in f:
                label, sec = line.rstrip("\n").split("\t")
                per[label].append(float(sec))
                total += float(sec)
    if not per:
        return
    parts = [f"{k} {statistics.fmean(v):.0f} s" for k, v in sorted(per.items())
             if k.startswith("train")]
    pred = [x for k, v in per.items() if k.startswith("predict") for x in v]
    print(f"\nWall time ({task}): {total / 60:.1f} min in all; mean per run: "
          + ", ".join(parts) + f", predict {statistics.fmean(pred):.1f} s"
          + f", eval {statistics.fmean(per.get('eval', [0])):.1f} s.")


def write_csv(out, path):
    """Every task, seed, held-out item and method: the metrics with their
    95 % intervals (lo, hi), one row each."""
    keys = LOWER + HIGHER
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["task", "item", "seed", "method"] +
                   [c for k in keys for c in (k, k + "_lo", k + "_hi")])
        for task in ("bodenmiller", "kang", "emt"):
            res, ivs = load(out, task), load_intervals(out, task)
            for it in sorted(res):
                for s in sorted(res[it]):
                    for m, row in res[it][s].items():
                        iv = ivs.get(it, {}).get(s, {}).get(m, {})
                        vals = []
                        for k in keys:
                            lo, hi = iv.get(k, ("", ""))
                            vals += [f"{row.get(k, float('nan')):.6g}",
                                     f"{lo:.6g}" if lo != "" else "", f"{hi:.6g}" if hi != "" else ""]
                        w.writerow([task, it, s, m] + vals)


def main():
    if len(sys.argv) not in (2, 4) or (len(sys.argv) == 4 and sys.argv[2] != "--csv"):
        sys.exit("usage: summarize.py OUT_DIR [--csv FILE]")
    out = sys.argv[1]
    if len(sys.argv) == 4:
        write_csv(out, sys.argv[3])
    main_metrics = ["W1", "W2", "MMD"]
    all_metrics = LOWER + HIGHER
    for task, label, title in [("bodenmiller", "held-out patient", "Bodenmiller BCR-XL (24 arcsinh markers)"),
                               ("kang", "held-out cell type", "Kang IFN-beta (" + (
                                   "the model's 30 PCs" if REPORT == "report_pca" else
                                   "the genes of X; predictions reconstructed from 30 PCs") + ")")]:
        res = load(out, task)
        if not res:
            continue
        items = sorted(res)
        print(f"\n### {title}: seeds {seeds_of(res)}")
        for k in main_metrics:
            metric_table(res, k, items, label)
        means_table(res, items, all_metrics)
        interval_table(res, load_intervals(out, task), items, ["W1", "W2", "MMD", "energy", "E_distance"],
                       label)
        bl = tuple(m for m in methods_of(res) if m not in MODELS and m != ORACLE)
        verdict(res, items, main_metrics, baselines=bl)
        verdict(res, items, all_metrics, baselines=bl)
        timings(out, task)
    res = load(out, "emt")
    if res:
        order = {"tigon3d": 0, "deepruot10d": 1}
        items = sorted(res, key=lambda s: (order.get(s.split("/")[0], 2), float(s.split("/t")[1])))
        print(f"\n### EMT time series: seeds {seeds_of(res)}")
        for k in ["W1", "W2", "MMD", "energy", "mean_L2"]:
            metric_table(res, k, items, "data / held-out time", with_mean=False)
        interval_table(res, load_intervals(out, "emt"), items, ["W1", "W2", "MMD", "energy"],
                       "data / held-out time")
        bl = tuple(m for m in methods_of(res) if m not in MODELS and m != ORACLE)
        verdict(res, items, main_metrics, baselines=bl)
        timings(out, "emt")


if __name__ == "__main__":
    main()
