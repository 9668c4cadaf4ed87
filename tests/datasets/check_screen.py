#!/usr/bin/python3
"""Check a screen written by `mfm simulate-screen --untreated --paired` with
Debian's python3-anndata, against an independent numpy implementation of the
model of docs/screens.md computed from uns/ground_truth.

usage: /usr/bin/python3 tests/datasets/check_screen.py FILE.h5ad N_CELLS D
Exit 0 and "screen OK" when everything matches; exit 1 with the first
difference otherwise; exit 2 if anndata cannot be imported.
"""
import json
import sys
import warnings

try:
    import anndata as ad
    import numpy as np
    import pandas as pd
except ImportError as e:  # pragma: no cover
    print(f"check_screen: cannot import anndata/numpy/pandas: {e}")
    sys.exit(2)


def fail(msg):
    print(f"check_screen: {msg}")
    sys.exit(1)


def hill(x, ec50, n):
    return 0.0 if x <= 0 else x ** n / (ec50 ** n + x ** n)


def effect(truth, drugs, doses, culture, state):
    """D = r_c [sum_j h_j E_js + sum_{j<l synergistic} h_j h_l S_jls]."""
    names = [d["name"] for d in truth["drugs"]]
    h = {}
    out = np.zeros(len(truth["state_mean"][0]))
    for name, x in zip(drugs, doses):
        dr = truth["drugs"][names.index(name)]
        h[name] = hill(x, dr["ec50"], dr["hill"])
        out += h[name] * np.asarray(dr["effect"][state])
    for syn in truth["synergy"]:
        a, b = syn["drugs"]
        if a in h and b in h:
            out += h[a] * h[b] * np.asarray(syn["effect"][state])
    gains = {c["name"]: c["gain"] for c in truth["cultures"]}
    return gains[culture] * out


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    warnings.simplefilter("ignore")
    n_cells, d = int(sys.argv[2]), int(sys.argv[3])
    a = ad.read_h5ad(sys.argv[1])
    truth = json.loads(a.uns["ground_truth"])
    want = ["patient", "culture", "plate", "treatment", "dose", "condition", "population",
            "cell_state"]
    if list(a.obs.columns) != want:
        fail(f"obs columns {list(a.obs.columns)}, expected {want}")
    for c in want:
        if not isinstance(a.obs[c].dtype, pd.CategoricalDtype):
            fail(f"obs {c} is {a.obs[c].dtype}, expected categorical")
    if a.n_vars != d or list(a.var_names[:2]) != ["M1", "M2"]:
        fail(f"{a.n_vars} markers {list(a.var_names[:2])}")
    counts = a.obs["population"].value_counts()
    if (counts != n_cells).any():
        fail("a population does not have the requested number of cells")
    if "untreated" not in a.layers:
        fail("no layers/untreated (run with --untreated)")
    X = np.asarray(a.X, dtype=np.float64)
    U = np.asarray(a.layers["untreated"], dtype=np.float64)
    states = a.obs["cell_state"].cat.codes.to_numpy()
    doses_ = a.obs["dose"].astype(str).to_numpy()
    treats = a.obs["treatment"].astype(str).to_numpy()
    cults = a.obs["culture"].astype(str).to_numpy()
    worst = 0.0
    for i in range(a.n_obs):
        t = treats[i]
        drugs = [] if t == truth["control"] else t.split("+")
        parts = [float(x) for x in doses_[i].split("+")]
        if drugs and len(parts) != len(drugs):
            fail(f"cell {i}: dose {doses_[i]} for treatment {t}")
        want_eff = effect(truth, drugs, parts, cults[i], states[i])
        worst = max(worst, float(np.max(np.abs(X[i] - U[i] - want_eff))))
    if worst > 1e-4:
        fail(f"X - untreated differs from the model by up to {worst}")
    # untreated cells: m_s + b_p + g_c + o_q + noise; the residual sd is noise_sd
    pats = {p["name"]: np.asarray(p["offset"]) for p in truth["patients"]}
    cult = {c["name"]: np.asarray(c["offset"]) for c in truth["cultures"]}
    plat = {q["name"]: np.asarray(q["offset"]) for q in truth["plates"]}
    m = np.asarray(truth["state_mean"])
    base = np.stack([m[states[i]] + pats[a.obs["patient"].iloc[i]] + cult[cults[i]]
                     + plat[a.obs["plate"].iloc[i]] for i in range(a.n_obs)])
    sd = float(np.std(U - base))
    want_sd = truth["settings"]["noise_sd"]
    if abs(sd - want_sd) > 0.05 * want_sd:
        fail(f"noise sd {sd}, expected {want_sd}")
    print(f"screen OK: {a.n_obs} x {a.n_vars}, max |effect error| {worst:.2e}, noise sd {sd:.3f}, "
          f"anndata {ad.__version__}")


if __name__ == "__main__":
    main()
