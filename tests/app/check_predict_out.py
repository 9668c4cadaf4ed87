#!/usr/bin/python3
"""Check mfm predict's outputs with Debian's python3-anndata, as a scanpy user
would use them (tests/app/test_predict_out.c runs this).

usage: check_predict_out.py pert PRED TRUTH OBSERVED N_PCS
       check_predict_out.py ts PRED TRUTH OBSERVED
       check_predict_out.py raw PRED TRUTH OBSERVED   (a model on --rep raw)
       check_predict_out.py xpca PRED TRUTH OBSERVED  (a model on --rep obsm:X_pca)
       check_predict_out.py same A B          (equal X, obs names and obs)
       check_predict_out.py clip PRED yes|no  (uns/n_clipped and the minimum of X)
Several checks can be given in one run, separated by "--".
Exit 0 and "OK" when every check holds, 1 with the first failure, 2 when
anndata cannot be imported (the test fails: the claim needs anndata).
"""
import sys
import warnings

try:
    import anndata as ad
    import numpy as np
    import pandas as pd
except ImportError as e:
    print(f"check_predict_out: cannot import anndata/numpy/pandas: {e}")
    sys.exit(2)

warnings.simplefilter("ignore")


def check(cond, msg):
    if not cond:
        print(f"check_predict_out: {msg}")
        sys.exit(1)


def provenance(a):
    for k in ["method", "model_dir", "seed", "mfm_version", "command_line", "rep", "transform",
              "feature_space", "input_file"]:
        check(k in a.uns, f"uns['{k}'] missing: {sorted(a.uns)}")


def same_obs_as_source(p, o, cols):
    src = o.obs.loc[p.obs["source_cell"].values]
    for c in cols:
        check(p.obs[c].dtype == o.obs[c].dtype, f"obs {c}: dtype {p.obs[c].dtype}, input {o.obs[c].dtype}")
        check(list(p.obs[c].astype(str)) == list(src[c].astype(str)), f"obs {c}: not the source cells' values")


def pert(pred, truth, observed, n_pcs):
    p, t, o = ad.read_h5ad(pred), ad.read_h5ad(truth), ad.read_h5ad(observed)
    n = p.n_obs
    check(n > 0, "no predicted cells")
    check(list(p.var_names) == list(o.var_names), "prediction var names differ from the input's")
    check(p.X.dtype == np.float32 and p.X.shape == (n, o.n_vars), f"X {p.X.dtype} {p.X.shape}")
    check(p.obsm["X_pca"].shape == (n, n_pcs), f"obsm X_pca {p.obsm['X_pca'].shape}")
    check(p.varm["PCs"].shape == (o.n_vars, n_pcs), f"varm PCs {p.varm['PCs'].shape}")
    # X is the reconstruction: centred X lies in the span of the loadings (up to clipping)
    pcs = p.varm["PCs"]
    check(np.allclose(pcs.T @ pcs, np.eye(n_pcs), atol=1e-4), "varm PCs not orthonormal")
    check(p.obs_names.is_unique, "obs names not unique")
    for name, src in zip(p.obs_names, p.obs["source_cell"]):
        check(name.startswith("mfm:P3/stim:" + src + ":"), f"obs name {name} (source {src})")
    check(set(p.obs["source_cell"]) <= set(o.obs_names), "source_cell not a barcode of the input")
    check(set(p.obs["condition"]) == {"stim"}, f"condition {set(p.obs['condition'])}")
    check(set(p.obs["patient"]) == {"P3"}, f"patient {set(p.obs['patient'])}")
    same_obs_as_source(p, o, ["cell_type", "n_counts", "n_genes", "is_doublet", "note"])
    check(p.obs["n_genes"].dtype == np.int64 and p.obs["is_doublet"].dtype == bool, "numeric dtypes")
    provenance(p)
    check(p.uns["method"] == "mfm" and int(p.uns["n_pcs"]) == n_pcs, "uns method / n_pcs")
    c = ad.concat([o, p])
    check(c.shape == (o.n_obs + n, o.n_vars), f"concat shape {c.shape}")
    check(c.obs_names.is_unique, "concat obs names not unique")
    check(c.obs["n_counts"].dtype == np.float64 and c.obs["n_genes"].dtype == np.int64, "concat dtypes")
    check(isinstance(c.obs["condition"].dtype, pd.CategoricalDtype), "concat condition not categorical")
    check((c.obs["condition"] == "stim").sum() == (o.obs["condition"] == "stim").sum() + n, "concat stim")
    # the truth: the input's cells with barcodes, obs, obsm, X
    check(list(t.obs_names) == list(o.obs_names), "truth obs names are not the input's barcodes in order")
    for col in o.obs.columns:
        check(t.obs[col].dtype == o.obs[col].dtype, f"truth obs {col}: dtype {t.obs[col].dtype}")
        check(list(t.obs[col].astype(str)) == list(o.obs[col].astype(str)), f"truth obs {col} differs")
    check(np.array_equal(t.X, o.X), "truth X differs from the input's X")
    check(np.array_equal(t.obsm["X_umap"], o.obsm["X_umap"]), "truth obsm X_umap differs")
    check(np.array_equal(t.obsm["input_X_pca"], o.obsm["X_pca"]), "truth obsm input_X_pca differs")
    check(t.obsm["X_pca"].shape == (o.n_obs, n_pcs), "truth obsm X_pca (the model's PCs)")
    check(set(t.obs["split"]) == {"train", "heldout"}, f"split {set(t.obs['split'])}")
    check(set(t.obs["patient"][t.obs["split"] == "heldout"]) == {"P3"}, "held-out cells are not P3's")
    both = ad.concat([t, p])
    check("X_pca" in both.obsm and both.obs_names.is_unique, "truth + prediction do not concatenate")


def ts(pred, truth, observed):
    p, t, o = ad.read_h5ad(pred), ad.read_h5ad(truth), ad.read_h5ad(observed)
    check(p.obs["time"].dtype == np.float64, f"prediction time dtype {p.obs['time'].dtype}")
    check(set(p.obs["time"]) == {1.0}, f"prediction times {set(p.obs['time'])}")
    check(t.obs["time"].dtype == np.float64, f"truth time dtype {t.obs['time'].dtype}")
    check(np.array_equal(np.sort(t.obs["time"].unique()), [0, 0.33, 1, 3, 7]), "truth time levels")
    check(list(t.obs_names) == list(o.obs_names), "truth obs names")
    c = ad.concat([o, p])
    check(c.obs["time"].dtype == np.float64, f"concat time dtype {c.obs['time'].dtype}")
    check(sorted(c.obs["time"].unique()) == [0, 0.33, 1, 3, 7], "concat time levels")
    provenance(p)


def same(a, b):
    x, y = ad.read_h5ad(a), ad.read_h5ad(b)
    check(list(x.obs_names) == list(y.obs_names), "obs names differ")
    check(list(x.var_names) == list(y.var_names), "var names differ")
    check(np.array_equal(x.X, y.X), f"X differs by {np.abs(x.X - y.X).max()}")


def raw(pred, truth, observed):
    p, t, o = ad.read_h5ad(pred), ad.read_h5ad(truth), ad.read_h5ad(observed)
    check(list(p.var_names) == list(o.raw.var_names), "prediction var names are not raw/var's")
    check(p.uns["rep"] == "raw" and p.uns["transform"] == "log1p", f"uns rep {p.uns['rep']}")
    counts = o.raw.X.toarray().astype(np.float64)
    want = np.log1p(counts / counts.sum(axis=1, keepdims=True) * 1e4)
    check(np.allclose(t.X, want, rtol=1e-5, atol=1e-5), f"truth X is not log1p(libsize(raw)): "
          f"{np.abs(t.X - want).max()}")
    check(p.X.min() >= 0, "negative predicted values after clipping")


def xpca(pred, truth, observed):
    """A model on obsm X_pca with the file's varm PCs: genes in X."""
    p, t, o = ad.read_h5ad(pred), ad.read_h5ad(truth), ad.read_h5ad(observed)
    check(list(p.var_names) == list(o.var_names), "prediction var names are not the genes")
    check(np.array_equal(p.varm["PCs"], o.varm["PCs"]), "varm PCs are not the input's")
    check(p.obsm["X_pca"].shape == (p.n_obs, o.obsm["X_pca"].shape[1]), "obsm X_pca shape")
    train = (o.obs["patient"] != "P3").values
    mean = (o.X[train] - o.obsm["X_pca"][train] @ o.varm["PCs"].T).astype(np.float64).mean(axis=0)
    want = np.maximum(p.obsm["X_pca"] @ p.varm["PCs"].T + mean, 0)
    check(np.allclose(p.X, want, atol=1e-4), f"X is not mean + X_pca @ PCs^T: {np.abs(p.X - want).max()}")
    check(np.array_equal(t.X, o.X) and np.array_equal(t.obsm["X_pca"], o.obsm["X_pca"]), "truth X / X_pca")
    check(ad.concat([o, p]).obsm["X_pca"].shape[1] == o.obsm["X_pca"].shape[1], "concat X_pca")


def clip(pred, mode):
    p = ad.read_h5ad(pred)
    k = int(p.uns["n_clipped"])
    if mode == "yes":
        check(p.uns["clip_negative"] == "yes" and p.X.min() >= 0, "clipped X has negatives")
        check(k > 0 and (p.X == 0).sum() >= k, f"n_clipped {k}")
    else:
        check(p.uns["clip_negative"] == "no" and k == 0, "n_clipped with --clip-negative no")
        check(p.X.min() < 0, "no negative values without clipping")


def run(args):
    cmd = args[0]
    if cmd == "pert":
        pert(args[1], args[2], args[3], int(args[4]))
    elif cmd == "ts":
        ts(args[1], args[2], args[3])
    elif cmd == "xpca":
        xpca(args[1], args[2], args[3])
    elif cmd == "raw":
        raw(args[1], args[2], args[3])
    elif cmd == "same":
        same(args[1], args[2])
    elif cmd == "clip":
        clip(args[1], args[2])
    else:
        check(False, f"unknown check {cmd}")


if __name__ == "__main__":
    group = []
    for a in sys.argv[1:] + ["--"]:  # several checks in one run, separated by --
        if a == "--":
            if group:
                run(group)
            group = []
        else:
            group.append(a)
    print("OK")
