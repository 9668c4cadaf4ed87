"""mfm: Meta Flow Matching for single-cell populations, from Python.

A thin layer over libmfm (ctypes, no compiled extension).  The library is
found through the environment variable MFM_LIB (path to libmfm.so) when it
is set, else the installed one.  Keyword arguments are the options of the
command line with underscores (experiment_key="patient_id", pca=30,
holdout={"patient_id": ["Patient1"]}); see `mfm train --help`.
"""
import os
import shutil
import tempfile

from ._lib import Config, MfmError, check, lib

__all__ = ["train", "predict", "evaluate", "options", "MfmError", "version"]


def version():
    """libmfm's version."""
    return lib().mfm_version().decode()


def options(command):
    """The option names (as keyword arguments) of "train", "predict" or "eval"."""
    with Config(command) as c:
        return [n.replace("-", "_") for n in c.names() if n != "config"]


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _holdout(value):
    if isinstance(value, dict):
        return ";".join("%s=%s" % (k, ",".join(_text(v) for v in
                                               (vals if isinstance(vals, (list, tuple)) else [vals])))
                        for k, vals in value.items())
    return value


def _apply(cfg, opts):
    for key, value in opts.items():
        if value is None:
            continue
        name = key.replace("_", "-")
        if name == "holdout":
            value = _holdout(value)
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            cfg.set(name, _text(v))


class _Files:
    """Temporary .h5ad files for AnnData objects given in memory."""

    def __init__(self):
        self.dir = None

    def path(self, adata_or_path, name):
        if isinstance(adata_or_path, (str, os.PathLike)):
            return os.fspath(adata_or_path)
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="mfm-py-")
        p = os.path.join(self.dir, name)
        adata_or_path.write_h5ad(p)
        return p

    def tmp(self, name):
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="mfm-py-")
        return os.path.join(self.dir, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def train(adata_or_path, out, **options):
    """Train a model on an AnnData object or .h5ad file; write the model
    directory `out` and return its path.  Options as `mfm train`'s."""
    with _Files() as files, Config("train") as cfg:
        _apply(cfg, options)
        cfg.set("out", os.fspath(out))
        check(lib().mfm_train(files.path(adata_or_path, "train.h5ad").encode(), cfg.ptr))
    return os.fspath(out)


def predict(model, adata_or_path, out=None, **options):
    """Predict with the model directory `model`; return the predictions as an
    AnnData (read with anndata; written to `out` too when given)."""
    import anndata
    with _Files() as files, Config("predict") as cfg:
        _apply(cfg, options)
        path = os.fspath(out) if out is not None else files.tmp("pred.h5ad")
        cfg.set("out", path)
        check(lib().mfm_predict(os.fspath(model).encode(),
                                files.path(adata_or_path, "data.h5ad").encode(), cfg.ptr))
        return anndata.read_h5ad(path)


def evaluate(pred, truth, out=None, **options):
    """Compare predictions (an AnnData, a path, or a list of them: one per
    method) with observed cells; return metrics.csv as a pandas DataFrame.
    Options as `mfm eval`'s: by=["patient_id", "condition"],
    control_key="condition", control="Ref", ..."""
    import pandas
    preds = pred if isinstance(pred, (list, tuple)) else [pred]
    with _Files() as files, Config("eval") as cfg:
        for i, p in enumerate(preds):
            cfg.set("pred", files.path(p, "pred%d.h5ad" % i))
        cfg.set("truth", files.path(truth, "truth.h5ad"))
        _apply(cfg, options)
        d = os.fspath(out) if out is not None else files.tmp("report")
        cfg.set("out", d)
        check(lib().mfm_evaluate(cfg.ptr))
        return pandas.read_csv(os.path.join(d, "metrics.csv"))
