#!/usr/bin/python3
"""Several runs of the letters experiment side by side.

  letters_seeds.py RUN_DIR [RUN_DIR ...]

Each RUN_DIR is an output directory of tools/letters_experiment.sh (it
reads report/metrics.csv, machine.txt for the seed and timings.tsv for the
wall time).  Prints one markdown row per (run, split): the mean W2 and MMD
of FM, CGFM and MFM over the split's populations, the relative margins of
MFM over FM and CGFM (positive = MFM better) with the number of
populations where MFM is better, whether the acceptance criterion of
issue 4 holds for the run (MFM better than FM and CGFM on W2 and MMD on X
and Y), and then how many runs meet it.  Needs the standard library and
numpy; exit code 1 for unreadable input.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from letters_summary import SPLITS, read  # noqa: E402  (same folder)

W2, MMD = 1, 2  # columns of letters_summary.read's arrays (W1, W2, MMD)


def seed_of(run):
    try:
        with open(os.path.join(run, "machine.txt")) as fh:
            for line in fh:
                if line.startswith("seed:"):
                    return line.split(":", 1)[1].split(",")[0].strip()
    except OSError:
        pass
    return "?"


def total_seconds(run):
    try:
        with open(os.path.join(run, "timings.tsv")) as fh:
            for line in fh:
                f = line.rstrip("\n").split("\t")
                if f[0] == "total":
                    return float(f[1])
    except (OSError, ValueError, IndexError):
        pass
    return float("nan")


def margin(per, other, split, col):
    o, f = per[(other, split)][:, col], per[("mfm", split)][:, col]
    if o.shape != f.shape:
        sys.exit(f"letters_seeds: {other} and mfm have different populations on {split}")
    return 100.0 * (o.mean() - f.mean()) / o.mean(), int((f < o).sum()), len(f)


def main():
    runs = sys.argv[1:]
    if not runs or runs[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if runs else 1
    print("| seed | split | FM W2 | CGFM W2 | MFM W2 | FM MMD (1e-3) | CGFM MMD | MFM MMD "
          "| MFM vs FM: W2 / MMD | MFM vs CGFM: W2 / MMD | met | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    n_met = 0
    for run in runs:
        per = read(os.path.join(run, "report", "metrics.csv"))
        need = [(m, s) for m in ("fm", "cgfm", "mfm") for s, _ in SPLITS]
        if not all(k in per for k in need):
            sys.exit(f"letters_seeds: {run}: fm, cgfm and mfm are needed on val and test")
        ok = True
        rows = []
        for s, label in SPLITS:
            cells = []
            cells += [f"{per[(m, s)][:, W2].mean():.4f}" for m in ("fm", "cgfm", "mfm")]
            cells += [f"{1e3 * per[(m, s)][:, MMD].mean():.3f}" for m in ("fm", "cgfm", "mfm")]
            vs = []
            for other in ("fm", "cgfm"):
                parts = []
                for col in (W2, MMD):
                    pct, wins, n = margin(per, other, s, col)
                    ok = ok and pct > 0
                    parts.append(f"{pct:+.1f} % ({wins}/{n})")
                vs.append(" / ".join(parts))
            rows.append((label, cells, vs))
        n_met += ok
        for i, (label, cells, vs) in enumerate(rows):
            last = (("yes" if ok else "**no**"), f"{total_seconds(run):.0f}") if i == 0 else ("", "")
            print(f"| {seed_of(run)} | {label} | " + " | ".join(cells) + " | " + " | ".join(vs)
                  + f" | {last[0]} | {last[1]} |")
    print()
    print(f"criterion met on {n_met} of {len(runs)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
