#!/usr/bin/env bash
# Install what attrib needs on Debian 12 (as root). Idempotent: skips what is there.
set -euo pipefail
pkgs=(cmake gcc make pkg-config openmpi-bin libopenmpi-dev libhdf5-openmpi-dev hdf5-tools
      libzstd-dev libconfig-dev zlib1g-dev libdeflate-dev liblapacke-dev libopenblas-dev zstd gzip python3-h5py python3-numpy python3-pandas
      clang libclang-rt-14-dev)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(valgrind slurm-wlm munge iproute2) # slurm-wlm munge: tests/slurm/e2e.sh (a real single-node Slurm); iproute2: tests/cluster (ip netns)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
