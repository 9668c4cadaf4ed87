#!/usr/bin/env bash
# tools/fuzz.sh [SECONDS_PER_TARGET [BUILDDIR]] — build the libFuzzer targets
# (clang, ASan+UBSan, -Dfuzz=true) in BUILDDIR (default build-fuzz) and run
# each for SECONDS (default 60) from the committed seeds, through meson
# (suite "fuzzrun", one test per target, counted by tools/count-tests.py).
# CI runs it with 60 s per target; for a real campaign run e.g.
#   bash tools/fuzz.sh 3600
# A crash, hang (>20 s), memory blow-up (>2 GB) or leaked HDF5 id fails the
# run; the message names the input (in BUILDDIR/tests/fuzz/work-TARGET/artifacts/): minimise
# it (TARGET -minimize_crash=1 INPUT), fix the cause, and commit it to
# tests/fuzz/regression/ so that every build checks it.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
builddir=${2:-build-fuzz}
command -v clang >/dev/null || { echo "fuzz: clang is missing (tools/setup.sh installs it)"; exit 1; }
if [ ! -f "$builddir/build.ninja" ]; then
  CC=clang meson setup "$builddir" -Dfuzz=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debug >/dev/null || exit 1
fi
ninja -C "$builddir" tests/fuzz/fuzz-h5ad tests/fuzz/fuzz-ckpt >/dev/null || exit 1
MFM_FUZZ_SECONDS=$secs meson test -C "$builddir" --no-rebuild --suite fuzzrun \
  --print-errorlogs --num-processes 1 >"$builddir/test-output.txt" 2>&1
rc=$?
grep -E "^ *[0-9]+/[0-9]+ " "$builddir/test-output.txt" || true
[ $rc -eq 0 ] || tail -60 "$builddir/test-output.txt"
exit $rc
