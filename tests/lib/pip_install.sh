#!/bin/sh
# tests/lib/pip_install.sh PYTHON SRC_PYTHON_DIR LIBMFM — `pip install ./python`
# works offline against Debian's python3 (into a temporary target), and the
# installed module loads libmfm through MFM_LIB.
set -eu
py=$1 src=$2 lib=$3
tmp=$(mktemp -d /tmp/mfm-pip-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src" "$tmp/src"          # pip builds in the tree: keep the checkout clean
"$py" -m pip install --quiet --no-index --no-build-isolation --target "$tmp/site" "$tmp/src"
test -f "$tmp/site/mfm/__init__.py"
cd "$tmp"
out=$(PYTHONPATH="$tmp/site" MFM_LIB="$lib" "$py" -c \
  'import mfm; print(mfm.__file__); print(mfm.version()); print("steps" in mfm.options("train"))')
echo "$out"
echo "$out" | grep -q "^$tmp/site/mfm/__init__.py$"
echo "$out" | grep -qx "True"
