#!/usr/bin/env python3
"""W1 of held-out time point predictions and of the baselines (issue 14).

usage: emt_time_models.py DATA.h5ad T DIR METHOD...

Reads DIR/pred_METHOD.h5ad (mfm predict output: X = predicted cells of the
held-out time T) and the observed cells of DATA (obs 'time').  Baselines
from the neighbours t0 < T < t1: previous (the cells at t0), mean
interpolation (t0 cells shifted by s (mean(x1) - mean(x0)), s = (T - t0) /
(t1 - t0)), McCann interpolation (the exact OT plan between the t0 and t1
cells, each pair's point at fraction s, sampled as many times as there are
t0 cells).  W1: exact earth mover's distance (POT ot.emd2, Euclidean cost,
uniform weights), in the data space (X as stored) and in the standardised
space (every feature z-scored by the mean and deviation of all the file's
cells, as TorchCFM-style papers report).  Writes DIR/w1.tsv.
"""
import sys

import anndata as ad
import numpy as np
import ot


def w1(a, b):
    m = ot.dist(a, b, metric="euclidean")
    return float(ot.emd2(np.full(len(a), 1 / len(a)), np.full(len(b), 1 / len(b)), m, numItermax=2_000_000))


def mccann(x0, x1, s, rng):
    m = ot.dist(x0, x1)  # squared Euclidean
    p = ot.emd(np.full(len(x0), 1 / len(x0)), np.full(len(x1), 1 / len(x1)), m, numItermax=2_000_000)
    flat = p.ravel() / p.sum()
    k = rng.choice(flat.size, size=len(x0), p=flat)
    i, j = np.unravel_index(k, p.shape)
    return (1 - s) * x0[i] + s * x1[j]


def main():
    data, T, d = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    methods = sys.argv[4:]
    a = ad.read_h5ad(data)
    x = np.asarray(a.X, dtype=np.float64)
    t = a.obs["time"].astype(float).to_numpy()
    levels = np.unique(t)
    h = int(np.argmin(np.abs(levels - T)))
    t0, th, t1 = levels[h - 1], levels[h], levels[h + 1]
    x0, xh, x1 = x[t == t0], x[t == th], x[t == t1]
    s = (th - t0) / (t1 - t0)
    rng = np.random.default_rng(0)
    preds = {"previous": x0, "mean_interpolation": x0 + s * (x1.mean(0) - x0.mean(0)),
             "mccann_interpolation": mccann(x0, x1, s, rng)}
    for m in methods:
        preds[m] = np.asarray(ad.read_h5ad(f"{d}/pred_{m}.h5ad").X, dtype=np.float64)
    mu, sd = x.mean(0), x.std(0)
    sd[sd == 0] = 1
    with open(f"{d}/w1.tsv", "w") as f:
        f.write("method\tw1_data\tw1_standardised\tn_pred\tn_truth\n")
        for m, p in preds.items():
            f.write(f"{m}\t{w1(p, xh):.6g}\t{w1((p - mu) / sd, (xh - mu) / sd):.6g}\t{len(p)}\t{len(xh)}\n")


if __name__ == "__main__":
    main()
