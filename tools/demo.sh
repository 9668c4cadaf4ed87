#!/usr/bin/env bash
# tools/demo.sh — set up (packages, build) and run mfm's main job on the
# bundled Bodenmiller CyTOF data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh build
if ./build/app/mfm help demo >/dev/null 2>&1; then
  exec ./build/app/mfm demo "$@"
fi
exec ./build/app/mfm info datasets/bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad "$@"
