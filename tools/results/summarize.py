#!/usr/bin/python3
"""tools/results/summarize.py OUT_DIR [--csv FILE] — the tables of docs/results.md
(and, with --csv, every value and interval as one CSV).

Reads every OUT_DIR/<task>/seed<S>/<held-out...>/report/metrics.csv written
by bodenmiller.sh, kang.sh and emt.sh (and their timings.tsv and
report.json) and prints Markdown, per task:
* per held-out population and metric, each method's value (the models mfm,
  cgfm, fm and eval's baselines) as the mean over the seeds found +- their
  standard deviation (ddof = 1; omitted with one seed), and the mean over
  the held-out populations;
* per metric, every model against the strongest non-oracle baseline (best
  mean over the held-out populations) with the 95 % bootstrap intervals of
  report.json, per population and seed: "better"/"worse" when the two
  intervals are disjoint, else "overlap";
* with several seeds, per population and model: mean +- sd over the seeds
  and how many seeds are better / overlap / worse than that baseline;
* mfm against cgfm and fm by the same interval rule;
* mfm against every other non-oracle method over the populations (each the
  mean over its seeds): wins and the two-sided Wilcoxon signed-rank p
  (computed as mfm eval does, core/stats.c);
* the number of metrics on which mfm is better, and the wall times.
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


def models_of(res):
    return [m for m in methods_of(res) if m in MODELS]


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


def disjoint(a, c, ia, ic, metric):
    """"better"/"worse" when the 95 % intervals of a and c are disjoint
    (a's point value decides the direction), "overlap" when they are not,
    None without both intervals."""
    if not ia or not ic:
        return None
    if ia[1] < ic[0] or ic[1] < ia[0]:
        return "better" if better(a, c, metric) else "worse"
    return "overlap"


def interval_table(res, ivs, items, metrics, label):
    """Per item and seed: every model (mfm, cgfm, fm) and the strongest
    non-oracle baseline with their 95 % intervals, and per model whether it
    is better or worse than that baseline where the intervals are disjoint."""
    models = models_of(res)
    for k in metrics:
        b = strongest(res, items, k)
        if b is None:
            continue
        print(f"\n**{k}** with 95 % bootstrap intervals: {', '.join(models)} against the strongest "
              f"non-oracle baseline on {k}, **{b}** ({'higher' if k in HIGHER else 'lower'} is better; "
              f"verdict per model: better/worse where the two intervals are disjoint)\n")
        print(f"| {label} | seed | " + " | ".join(models) + f" | {b} | " +
              " | ".join(f"{m} vs {b}" for m in models) + " |")
        print("|---|---|" + "---|" * (2 * len(models) + 1))
        tally = {m: defaultdict(int) for m in models}
        for it in items:
            for s in seeds_of(res):
                c = val(res, it, s, b, k)
                ic = ivs.get(it, {}).get(s, {}).get(b, {}).get(k)
                if c is None:
                    continue
                cells, verd = [], []
                for m in models:
                    a = val(res, it, s, m, k)
                    ia = ivs.get(it, {}).get(s, {}).get(m, {}).get(k)
                    cells.append(cell(a, ia) if a is not None else "n/a")
                    if a is None:
                        verd.append("n/a")
                        continue
                    v = disjoint(a, c, ia, ic, k)
                    if v is None:
                        v = ("better" if better(a, c, k) else "worse") + " (no interval)"
                    tally[m][v] += 1
                    verd.append(f"**{v}**" if v.startswith("worse") else v)
                if all(x == "n/a" for x in cells):
                    continue
                print(f"| {it} | {s} | " + " | ".join(cells) + f" | {cell(c, ic)} | " +
                      " | ".join(verd) + " |")
        print("\nTally: " + "; ".join(
            f"{m}: " + ", ".join(f"{n} {v}" for v, n in sorted(tally[m].items()))
            for m in models if tally[m]) + ".")


def seed_spread(res, ivs, items, metrics, label):
    """With several seeds: per item and model, the mean +- sd over seeds and
    how many seeds are better / overlap / worse than the strongest baseline
    (by disjoint 95 % intervals)."""
    seeds, models = seeds_of(res), models_of(res)
    if len(seeds) < 2:
        return
    for k in metrics:
        b = strongest(res, items, k)
        if b is None:
            continue
        print(f"\n**{k}** over the seeds {seeds}: mean ± sd (ddof = 1), and the number of seeds "
              f"whose interval is better / overlaps / is worse than **{b}**'s\n")
        print(f"| {label} | " + " | ".join(models) + f" | {b} |")
        print("|---|" + "---|" * (len(models) + 1))
        for it in items:
            cells = []
            for m in models:
                vs = [val(res, it, s, m, k) for s in seeds]
                counts = defaultdict(int)
                for s in seeds:
                    a, c = val(res, it, s, m, k), val(res, it, s, b, k)
                    if a is None or c is None:
                        continue
                    v = disjoint(a, c, ivs.get(it, {}).get(s, {}).get(m, {}).get(k),
                                 ivs.get(it, {}).get(s, {}).get(b, {}).get(k), k)
                    counts[v or "no interval"] += 1
                n = sum(1 for x in vs if x is not None)
                tail = (f"{counts['better']}/{counts['overlap']}/{counts['worse']}"
                        if counts["no interval"] < n else "no interval")
                cells.append(f"{fmt(vs)} (n = {n}: {tail})" if n else "n/a")
            cells.append(fmt([val(res, it, s, b, k) for s in seeds]))
            print(f"| {it} | " + " | ".join(cells) + " |")


def model_pairs(res, ivs, items, metrics, label):
    """MFM against CGFM and FM per item and seed: by disjoint intervals, and
    the point comparison where they overlap."""
    models = models_of(res)
    if "mfm" not in models or len(models) < 2:
        return
    for o in [m for m in models if m != "mfm"]:
        print(f"\nmfm against {o}, per held-out population and seed (better/worse: disjoint 95 % "
              f"intervals; overlap: the point value of mfm is lower (↓) or higher (↑) than {o}'s)\n")
        print(f"| {label} | seed | " + " | ".join(metrics) + " |")
        print("|---|---|" + "---|" * len(metrics))
        tally = defaultdict(int)
        for it in items:
            for s in seeds_of(res):
                cells = []
                for k in metrics:
                    a, c = val(res, it, s, "mfm", k), val(res, it, s, o, k)
                    if a is None or c is None or math.isnan(a) or math.isnan(c):
                        cells.append("n/a")
                        continue
                    v = disjoint(a, c, ivs.get(it, {}).get(s, {}).get("mfm", {}).get(k),
                                 ivs.get(it, {}).get(s, {}).get(o, {}).get(k), k) or "no interval"
                    tally[v] += 1
                    if v != "better" and v != "worse":
                        v += " ↓" if a < c else " ↑"
                    cells.append(f"**{v}**" if v == "worse" else v)
                if any(x != "n/a" for x in cells):
                    print(f"| {it} | {s} | " + " | ".join(cells) + " |")
        print(f"\nTally (mfm vs {o}): " + ", ".join(f"{n} {v}" for v, n in sorted(tally.items())) + ".")


def wilcoxon(d):
    """Two-sided Wilcoxon signed-rank test of the differences d, as
    mfm eval computes it (core/stats.c; scipy 1.10's wilcoxon with
    zero_method='wilcox', correction=False): zeros dropped; exact with at
    most 25 differences, none tied or zero, else the normal approximation
    with the tie correction.  Returns (p, exact)."""
    n_given = len(d)
    d = [x for x in d if x != 0]
    n = len(d)
    if n == 0:
        return 1.0, True
    order = sorted(range(n), key=lambda i: abs(d[i]))
    ranks, i, ties = [0.0] * n, 0, []
    while i < n:
        j = i
        while j + 1 < n and abs(d[order[j + 1]]) == abs(d[order[i]]):
            j += 1
        for q in range(i, j + 1):
            ranks[order[q]] = (i + j) / 2 + 1
        ties.append(j - i + 1)
        i = j + 1
    r_plus = sum(r for r, x in zip(ranks, d) if x > 0)
    if n <= 25 and all(t == 1 for t in ties) and n == n_given:
        counts = [1] + [0] * (n * (n + 1) // 2)   # number of sign patterns per rank sum
        for r in range(1, n + 1):
            for sm in range(len(counts) - 1, r - 1, -1):
                counts[sm] += counts[sm - r]
        tot, rp = 2 ** n, int(round(r_plus))
        lo, hi = sum(counts[:rp + 1]) / tot, sum(counts[rp:]) / tot
        return min(1.0, 2 * min(lo, hi)), True
    var = n * (n + 1) * (2 * n + 1) / 24 - sum(t ** 3 - t for t in ties) / 48
    z = (r_plus - n * (n + 1) / 4) / math.sqrt(var) if var > 0 else 0.0
    return min(1.0, math.erfc(abs(z) / math.sqrt(2))), False


def paired_tests(res, items, metrics, model="mfm"):
    """model against every other non-oracle method over the held-out
    populations (each population's value the mean over the seeds both have):
    wins and the two-sided Wilcoxon signed-rank p."""
    if model not in models_of(res) or len(items) < 2:
        return
    others = [m for m in methods_of(res) if m != model and m != ORACLE]
    print(f"\n{model} against every other method over the {len(items)} held-out populations "
          f"(per population the mean over seeds; cells: populations where {model} is better, "
          f"of those compared, and the two-sided Wilcoxon signed-rank p, e = exact, "
          f"a = normal approximation)\n")
    print("| vs | " + " | ".join(metrics) + " |")
    print("|---|" + "---|" * len(metrics))
    for o in others:
        cells = []
        for k in metrics:
            a, c = [], []
            for it in items:
                ss = [s for s in seeds_of(res) if val(res, it, s, model, k) is not None and
                      val(res, it, s, o, k) is not None]
                x = [val(res, it, s, model, k) for s in ss]
                y = [val(res, it, s, o, k) for s in ss]
                if ss and not any(math.isnan(v) for v in x + y):
                    a.append(statistics.fmean(x))
                    c.append(statistics.fmean(y))
            if not a:
                cells.append("n/a")
                continue
            wins = sum(1 for u, v in zip(a, c) if better(u, v, k))
            p, ex = wilcoxon([u - v for u, v in zip(a, c)])
            cells.append(f"{wins}/{len(a)}, p = {p:.2g} {'e' if ex else 'a'}")
        print(f"| {o} | " + " | ".join(cells) + " |")


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
    print(f"\n{model.upper()} against the other models and the baselines, per held-out population and seed "
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
            if any(c != "n/a" for c in cells):  # not every item has every seed
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


def section(out, task, title, label, items, table_metrics, with_mean):
    """Every table of one task."""
    res, ivs = load(out, task), load_intervals(out, task)
    main_metrics = ["W1", "W2", "MMD"]
    iv_metrics = ["W1", "W2", "MMD", "energy"] + (["E_distance"] if task != "emt" else [])
    print(f"\n### {title}: seeds {seeds_of(res)}, models {', '.join(models_of(res)) or 'none'}")
    for k in table_metrics:
        metric_table(res, k, items, label, with_mean=with_mean)
    if with_mean:
        means_table(res, items, LOWER + HIGHER)
    interval_table(res, ivs, items, iv_metrics, label)
    seed_spread(res, ivs, items, ["W1", "W2", "MMD", "energy"], label)
    model_pairs(res, ivs, items, ["W1", "W2", "MMD", "energy"], label)
    paired_tests(res, items, ["W1", "W2", "MMD", "energy", "E_distance"])
    others = tuple(m for m in methods_of(res) if m != "mfm" and m != ORACLE)
    verdict(res, items, main_metrics, baselines=others)
    if task != "emt":
        verdict(res, items, LOWER + HIGHER, baselines=others)
    timings(out, task)


def main():
    if len(sys.argv) not in (2, 4) or (len(sys.argv) == 4 and sys.argv[2] != "--csv"):
        sys.exit("usage: summarize.py OUT_DIR [--csv FILE]")
    out = sys.argv[1]
    if len(sys.argv) == 4:
        write_csv(out, sys.argv[3])
    for task, label, title in [("bodenmiller", "held-out patient", "Bodenmiller BCR-XL (24 arcsinh markers)"),
                               ("kang", "held-out cell type", "Kang IFN-beta (" + (
                                   "the model's 30 PCs" if REPORT == "report_pca" else
                                   "the genes of X; predictions reconstructed from 30 PCs") + ")")]:
        res = load(out, task)
        if res:
            section(out, task, title, label, sorted(res), ["W1", "W2", "MMD"], True)
    res = load(out, "emt")
    if res:
        order = {"tigon3d": 0, "deepruot10d": 1}
        items = sorted(res, key=lambda s: (order.get(s.split("/")[0], 2), float(s.split("/t")[1])))
        section(out, "emt", "EMT time series", "data / held-out time", items,
                ["W1", "W2", "MMD", "energy", "mean_L2"], False)


if __name__ == "__main__":
    main()
