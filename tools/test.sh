#!/usr/bin/env bash
# tools/test.sh [BUILDDIR [meson options...]] — set up (packages, build) and
# run every test suite; ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
builddir=${1:-build}
bash tools/setup.sh "$@" || exit 1
meson test -C "$builddir" --print-errorlogs --num-processes 2 --timeout-multiplier "${MFM_TIMEOUT_MULTIPLIER:-3}" >"$builddir/test-output.txt" 2>&1
rc=$?
grep -E "^ *[0-9]+/[0-9]+ " "$builddir/test-output.txt" || true
[ $rc -eq 0 ] || cat "$builddir/test-output.txt" | tail -100
/usr/bin/python3 tools/count-tests.py "$builddir"
crc=$?
[ $rc -eq 0 ] && [ $crc -eq 0 ]
