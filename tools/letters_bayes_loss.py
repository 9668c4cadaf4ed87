#!/usr/bin/python3
"""Lower bound of the paired flow-matching loss on the letters task.

For a population with clean cells T and source x0 = x1 + e, e ~ N(0, s^2 I),
x1 drawn from T, the straight path gives x_t = x1 + (1 - t) e and the target
u = x1 - x0 = -e.  The best possible velocity knows T exactly:
E[u | x_t] = -(x_t - E[x1 | x_t]) / (1 - t), with the posterior of x1 over
the points of T weighted by N(x_t; x1, (1 - t)^2 s^2 I).  This script
estimates the resulting mean squared error per coordinate (the loss `mfm
train` reports) by Monte Carlo, averaged over t ~ U[0, 0.98] (the t -> 1
end, where the error tends to s^2, is left out; the bound is therefore
slightly optimistic).

  letters_bayes_loss.py LETTERS.h5ad [POP ...] [--noise 0.5] [--seed 0]

Uses anndata (Debian's python3-anndata) and numpy.
"""
import argparse

import anndata as ad
import numpy as np


def bayes_loss(T, s, rng, n_t=60, n_cells=400):
    out = []
    for t in rng.uniform(0.0, 0.98, n_t):
        x1 = T[rng.integers(0, len(T), n_cells)]
        e = rng.normal(size=x1.shape) * s
        xt = x1 + (1 - t) * e
        sd = (1 - t) * s
        d2 = ((xt[:, None, :] - T[None, :, :]) ** 2).sum(-1)
        w = np.exp(-(d2 - d2.min(axis=1, keepdims=True)) / (2 * sd * sd))
        w /= w.sum(axis=1, keepdims=True)
        eu = -(xt - w @ T) / (1 - t)
        out.append(((-e - eu) ** 2).mean())
    return float(np.mean(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("letters")
    ap.add_argument("pops", nargs="*", default=["A_0", "O_3", "X_0", "Y_0"])
    ap.add_argument("--noise", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    d = ad.read_h5ad(a.letters)
    X = np.asarray(d.X, dtype=np.float64)
    pop = d.obs["population"].astype(str).values
    role = d.obs["role"].astype(str).values
    rng = np.random.default_rng(a.seed)
    print(f"noise-only loss (predict 0): {a.noise ** 2:.4f}")
    for p in a.pops:
        T = X[(pop == p) & (role == "target")]
        if len(T) == 0:
            raise SystemExit(f"letters_bayes_loss: {a.letters}: no target cells of population {p}")
        print(f"{p}: loss with the clean letter known {bayes_loss(T, a.noise, rng):.4f} ({len(T)} cells)")


if __name__ == "__main__":
    main()
