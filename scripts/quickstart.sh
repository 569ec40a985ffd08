#!/usr/bin/env bash
# One command from a fresh clone: install dependencies, build, and run attrib's main job
# on the small example in examples/: import the CSVs, attribute, print the report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
out=build/example
mkdir -p "$out"
A=build/attrib
echo "== attrib import (examples/*.csv -> $out/input.h5)"
$A import --events examples/events.csv --conversions examples/conversions.csv \
  --campaigns examples/campaigns.csv --rejects "$out/rejects.csv" -o "$out/input.h5"
echo "== mpirun -n 2 attrib run (conf/example.rules.cfg -> $out/results.h5)"
mpirun -n 2 $A run -c conf/example.rules.cfg -i "$out/input.h5" -o "$out/results.h5"
echo "== attrib report"
$A report "$out/results.h5"
echo "== credits (first rows)"
$A export "$out/results.h5" credits | head -n 12
echo "Done. Results in $out/results.h5; read them with 'attrib export' or h5py (HDF5_PLUGIN_PATH=$PWD/build/plugin)."
