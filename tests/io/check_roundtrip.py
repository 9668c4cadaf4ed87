#!/usr/bin/python3
"""Open an .h5ad written by mfm with anndata.read_h5ad and compare it with the
values the writer was given (a JSON file written by tests/io/test_h5ad_write.c).

usage: /usr/bin/python3 tests/io/check_roundtrip.py FILE.h5ad EXPECTED.json
Exit 0 and "roundtrip OK" when everything matches; exit 1 with the first
difference otherwise; exit 2 if anndata cannot be imported (the test fails:
the interoperability claim needs anndata).
"""
import json
import math
import sys
import warnings

try:
    import anndata as ad
    import numpy as np
    import pandas as pd
except ImportError as e:  # pragma: no cover - exercised only on broken setups
    print(f"check_roundtrip: cannot import anndata/numpy/pandas: {e}")
    sys.exit(2)


def fail(msg):
    print(f"check_roundtrip: {msg}")
    sys.exit(1)


def same_matrix(name, got, want):
    got = np.asarray(got)
    want = np.asarray(want, dtype=np.float64).astype(np.float32)
    if got.dtype != np.float32:
        fail(f"{name}: dtype {got.dtype}, expected float32")
    if got.shape != want.shape:
        fail(f"{name}: shape {got.shape}, expected {want.shape}")
    if not np.array_equal(got, want):
        i = np.argwhere(got != want)[0]
        fail(f"{name}: value at {tuple(i)} is {got[tuple(i)]}, expected {want[tuple(i)]}")


def check_frame(where, df, index, cols):
    if list(df.index) != index:
        fail(f"{where} index differs: {list(df.index)[:5]} vs {index[:5]}")
    if list(df.columns) != [c["name"] for c in cols]:
        fail(f"{where} columns {list(df.columns)}, expected {[c['name'] for c in cols]}")
    for c in cols:
        s = df[c["name"]]
        kind = c["type"]
        if kind == "categorical":
            if not isinstance(s.dtype, pd.CategoricalDtype):
                fail(f"{where}.{c['name']}: dtype {s.dtype}, expected category")
            if list(s.cat.categories) != c["categories"]:
                fail(f"{where}.{c['name']}: categories {list(s.cat.categories)}")
            if list(s.cat.codes) != c["codes"]:
                fail(f"{where}.{c['name']}: codes differ")
        elif kind == "f64":
            if s.dtype != np.float64 or list(s) != c["values"]:
                fail(f"{where}.{c['name']}: {s.dtype} values differ")
        elif kind == "i64":
            if s.dtype != np.int64 or list(s) != c["values"]:
                fail(f"{where}.{c['name']}: {s.dtype} values differ")
        elif kind == "string":
            if list(s) != c["values"]:
                fail(f"{where}.{c['name']}: string values differ")
        else:
            fail(f"unknown column type {kind}")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    warnings.simplefilter("ignore")
    exp = json.load(open(sys.argv[2]))
    a = ad.read_h5ad(sys.argv[1])
    same_matrix("X", a.X, exp["X"])
    check_frame("obs", a.obs, exp["obs_names"], exp["obs"])
    check_frame("var", a.var, exp["var_names"], exp["var"])
    if sorted(a.obsm.keys()) != sorted(exp["obsm"].keys()):
        fail(f"obsm keys {list(a.obsm.keys())}")
    for k, v in exp["obsm"].items():
        same_matrix(f"obsm/{k}", a.obsm[k], v)
    if sorted(a.layers.keys()) != sorted(exp["layers"].keys()):
        fail(f"layers {list(a.layers.keys())}")
    for k, v in exp["layers"].items():
        same_matrix(f"layers/{k}", a.layers[k], v)
    for k, v in exp["uns"].items():
        if k not in a.uns:
            fail(f"uns/{k} missing")
        got = a.uns[k]
        if isinstance(v, list):
            got = list(got)
        elif isinstance(v, float):
            got = float(got)
            ok = got == v or (math.isnan(got) and math.isnan(v))
            if not ok:
                fail(f"uns/{k} = {got!r}, expected {v!r}")
            continue
        elif isinstance(v, int):
            got = int(got)
        if got != v:
            fail(f"uns/{k} = {got!r}, expected {v!r}")
    print(f"roundtrip OK: {a.n_obs} x {a.n_vars}, anndata {ad.__version__}")


if __name__ == "__main__":
    main()
