#!/usr/bin/env python3
"""Markdown tables of emt_time_models.sh's w1.tsv files (issue 14).

usage: emt_time_models_table.py OUT_DIR

One table per space (data, standardised): rows dataset/held-out time,
columns the methods; each cell the mean over the seeds found and, with
two or more, +- half the range.  Needs no third-party module.
"""
import glob
import os
import sys
from collections import defaultdict

ORDER = ["pairs", "field", "spline", "previous", "mean_interpolation", "mccann_interpolation"]


def main():
    root = sys.argv[1]
    vals = defaultdict(lambda: defaultdict(list))  # (space, row) -> method -> [w1]
    rows = []
    for path in sorted(glob.glob(f"{root}/emt_tm/seed*/*/t*/w1.tsv")):
        parts = path.split(os.sep)
        row = f"{parts[-3]}/{parts[-2]}"
        if row not in rows:
            rows.append(row)
        with open(path) as f:
            next(f)
            for line in f:
                m, wd, ws = line.split("\t")[:3]
                vals[("data", row)][m].append(float(wd))
                vals[("standardised", row)][m].append(float(ws))
    rows.sort(key=lambda r: (not r.startswith("tigon"), float(r.split("/t")[1])))
    for space in ("data", "standardised"):
        print(f"**W1, {space} space** (lower is better; mean over seeds ± half the range)\n")
        print("| data / held-out time | " + " | ".join(ORDER) + " |")
        print("|---" * (len(ORDER) + 1) + "|")
        for r in rows:
            cells = []
            best = min(sum(v) / len(v) for m, v in vals[(space, r)].items() if m in ORDER)
            for m in ORDER:
                v = vals[(space, r)].get(m, [])
                if not v:
                    cells.append("–")
                    continue
                mean = sum(v) / len(v)
                c = f"{mean:.3f}" + (f" ± {(max(v) - min(v)) / 2:.3f}" if len(v) > 1 and max(v) > min(v) else "")
                cells.append(f"**{c}**" if mean == best else c)
            print(f"| {r} | " + " | ".join(cells) + " |")
        print()


if __name__ == "__main__":
    main()
