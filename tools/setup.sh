#!/usr/bin/env bash
# tools/setup.sh [BUILDDIR [meson options...]] — install missing Debian
# packages, configure and build mfm.  Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(gcc clang pkg-config meson ninja-build
          libhdf5-dev zlib1g-dev libigraph-dev libopenblas-dev libgsl-dev
          check libsubunit-dev libjansson-dev libcairo2-dev libfreetype-dev
          fonts-dejavu-core
          python3 python3-numpy python3-scipy python3-h5py python3-anndata python3-pot
          python3-pandas python3-pip python3-setuptools)
# Open MPI only for a build that asks for it (-Dmpi=enabled): the serial
# build does not depend on it.
for arg in "$@"; do
  if [ "$arg" = "-Dmpi=enabled" ]; then packages+=(libopenmpi-dev openmpi-bin); fi
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

builddir=${1:-build}
shift || true
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$@" >/dev/null
fi
ninja -C "$builddir" >/dev/null
echo "setup: built $builddir/app/mfm"
