#!/usr/bin/python3
"""Synthetic data for timing `mfm eval` (docs/performance.md): P patients,
each with N control and N stimulated cells of D features, and a prediction
of every stimulated population (the control moved by a noisy shift).
Usage: make_eval_bench.py OUTDIR [P N D]   writes truth.h5ad and pred.h5ad."""
import os
import sys

import anndata
import numpy as np
import pandas as pd

out = sys.argv[1]
P, N, D = (int(v) for v in sys.argv[2:5]) if len(sys.argv) > 4 else (200, 1000, 43)
rng = np.random.default_rng(0)
os.makedirs(out, exist_ok=True)
var = pd.DataFrame(index=[f"m{j}" for j in range(D)])
xs, pats, conds, splits, preds = [], [], [], [], []
for p in range(P):
    base = rng.normal(size=D)
    shift = rng.normal(size=D) * 0.5 + 1.0
    ctl = base + rng.normal(size=(N, D))
    stim = base + shift + rng.normal(size=(N, D)) * 1.1
    xs += [ctl, stim]
    pats += [f"P{p:03d}"] * (2 * N)
    conds += ["ctrl"] * N + ["stim"] * N
    splits += ["train" if p % 5 else "test"] * (2 * N)
    preds.append(ctl + shift + rng.normal(size=D) * 0.3)
obs = pd.DataFrame({"patient": pd.Categorical(pats), "condition": pd.Categorical(conds),
                    "split": pd.Categorical(splits)}, index=[f"c{i}" for i in range(len(pats))])
anndata.AnnData(X=np.vstack(xs).astype(np.float32), obs=obs, var=var).write_h5ad(
    os.path.join(out, "truth.h5ad"))
pobs = pd.DataFrame({"patient": pd.Categorical([f"P{p:03d}" for p in range(P) for _ in range(N)]),
                     "condition": pd.Categorical(["stim"] * (P * N))},
                    index=[f"p{i}" for i in range(P * N)])
a = anndata.AnnData(X=np.vstack(preds).astype(np.float32), obs=pobs, var=var)
a.uns["method"] = "shifted"
a.write_h5ad(os.path.join(out, "pred.h5ad"))
