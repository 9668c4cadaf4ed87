#!/usr/bin/python3
"""tools/results/delta_baseline.py OBSERVED.h5ad OUT.h5ad EXPERIMENT_KEY TREATMENT_KEY CONTROL

An extra baseline for the perturbation tasks, evaluated by `mfm eval` as one
more prediction file: the *training mean effect* ("train_delta_shift"),

    x0 + mean(training treated cells) - mean(training control cells),

for every held-out control cell x0 and every treatment, with the means
pooled over the training cells (split == "train") of OBSERVED.h5ad, the
truth file written by `mfm predict --truth-out` (same feature space as the
predictions).  Unlike mfm eval's train_mean_shift (x0 - mean(x0) + mean of
the training targets) it keeps the held-out population's own mean and adds
the average effect, the usual "same shift for everyone" baseline.
"""
import sys

import anndata as ad
import numpy as np
import pandas as pd

NAME = "train_delta_shift"


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.split("\n")[1])
    src, dst, exp_key, trt_key, control = sys.argv[1:]
    a = ad.read_h5ad(src)
    x = np.asarray(a.X, dtype=np.float64)
    trt = a.obs[trt_key].astype(str).to_numpy()
    split = a.obs["split"].astype(str).to_numpy()
    exp = a.obs[exp_key].astype(str).to_numpy()
    train, held = split == "train", split == "heldout"
    ctl = trt == control
    if not (train & ctl).any():
        sys.exit(f"{src}: no training cells with {trt_key}={control}")
    mean_ctl = x[train & ctl].mean(axis=0)
    blocks, obs = [], []
    for t in sorted(set(trt[train & ~ctl])):
        delta = x[train & (trt == t)].mean(axis=0) - mean_ctl
        for e in sorted(set(exp[held & ctl])):
            rows = np.flatnonzero(held & ctl & (exp == e))
            blocks.append(x[rows] + delta)
            obs.append(pd.DataFrame({exp_key: e, trt_key: t,
                                     "source_cell": a.obs_names[rows].to_numpy()}))
    if not blocks:
        sys.exit(f"{src}: no held-out control cells")
    o = pd.concat(obs, ignore_index=True)
    o.index = [f"pred{i}" for i in range(len(o))]
    for k in (exp_key, trt_key):
        o[k] = o[k].astype("category")
    out = ad.AnnData(X=np.concatenate(blocks).astype(np.float32), obs=o,
                     var=pd.DataFrame(index=a.var_names.copy()))
    out.uns["method"] = NAME
    out.write_h5ad(dst)
    print(f"delta_baseline: wrote {out.n_obs} cells to {dst}")


if __name__ == "__main__":
    main()
