#!/usr/bin/env bash
# tools/demo.sh [mfm demo options] — set up (packages, build) and run mfm's
# main job: MFM, CGFM and FM on the bundled Bodenmiller CyTOF data with
# Patient1 held out, evaluated beside the baselines (HTML report).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh build
exec ./build/app/mfm demo "$@"
