#!/usr/bin/env bash
# How far off a ChannelAttribution-style Monte Carlo estimate of the Markov removal
# effects is (bench/fit/simulate.py: walks from start, 10^5 by default, as documented for
# markov_model's nsim_start) from attrib's exact answer (`attrib fit --json`), over
# several seeds: per channel the exact removal effect and conversions, the simulated
# conversions' mean, min and max over the seeds, their mean and largest relative error
# and seed-to-seed spread, then a summary line per table.
#
# usage: bench/fit/sim_vs_exact.sh [--build DIR] [--seeds N] [--walks N] [--order K]
#                                  [--removal resimulate|reuse] [--max-step M] [--converge]
#                                  [TABLE...]
#   Without TABLE: the worked example of docs/datadriven.md, a generated table of 10^4
#   distinct paths over 20 channels (bench/fit/gen_paths.py, seed 1) and one of 10^4
#   rows over 12 channels (the size of ChannelAttribution's documented demo table:
#   10 000 rows of path, total_conversions, total_conversion_value, total_null).
#   --seeds N runs seeds 1..N (default 10); --walks (default 100000), --removal
#   (default resimulate) and --max-step (default: the longest path; 0: no limit) are
#   simulate.py's; --converge adds markov_model's documented
#   iteration (nfold 10, conv_par 0.05, rate_step_sim 1.5; slow). Environment:
#   SIM_KEEP=DIR keeps the generated tables and outputs in DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=build seeds=10 walks=100000 order=1 removal=resimulate converge=() maxstep=()
tables=()
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
        --build) build=$2; shift 2 ;;
        --seeds) seeds=$2; shift 2 ;;
        --walks) walks=$2; shift 2 ;;
        --order) order=$2; shift 2 ;;
        --removal) removal=$2; shift 2 ;;
        --max-step) maxstep=(--max-step "$2"); shift 2 ;;
        --converge) converge=(--converge); shift ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "sim_vs_exact.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) tables+=("$1"); shift ;;
    esac
done
[[ $seeds =~ ^[1-9][0-9]*$ ]] || { echo "sim_vs_exact.sh: --seeds: a positive integer" >&2; exit 2; }
attrib=$(cd "$build" 2>/dev/null && pwd)/attrib
[ -x "$attrib" ] || { echo "sim_vs_exact.sh: no $build/attrib (build first)" >&2; exit 2; }
PY=/usr/bin/python3
work=${SIM_KEEP:-$(mktemp -d)}
[ -n "${SIM_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
if [ ${#tables[@]} -eq 0 ]; then
    cat >"$work/worked_example.csv" <<'EOF'
path,total_conversions,total_conversion_value,total_null
c1 > c2 > c3,1,10,0
c1,0,0,1
c2 > c3,0,,1
EOF
    [ -s "$work/gen_10k_20ch.csv" ] || $PY "$here/gen_paths.py" 10000 --channels 20 --seed 1 >"$work/gen_10k_20ch.csv"
    [ -s "$work/demo_like_10k_12ch.csv" ] ||
        $PY "$here/gen_paths.py" 10000 --channels 12 --zipf 0.8 --p 0.35 --seed 2 >"$work/demo_like_10k_12ch.csv"
    tables=("$work/worked_example.csv" "$work/gen_10k_20ch.csv" "$work/demo_like_10k_12ch.csv")
fi
seedlist=$(seq -s, 1 "$seeds")
echo "sim_vs_exact: order $order, $walks walks, removal $removal${maxstep:+, max_step ${maxstep[1]}}${converge:+, converge}, seeds 1..$seeds; $(uptime)"
for t in "${tables[@]}"; do
    name=$(basename "$t")
    echo
    echo "== $name: $(($(wc -l <"$t") - 1)) rows"
    "$attrib" fit --paths "$t" --order "$order" --json >"$work/$name.exact.json"
    start=$(date +%s.%N)
    $PY "$here/simulate.py" "$t" --order "$order" --walks "$walks" --removal "$removal" \
        "${maxstep[@]}" "${converge[@]}" --seeds "$seedlist" --compare "$work/$name.exact.json"
    printf "simulation time: %.1f s for %d seeds\n" "$(echo "$(date +%s.%N) - $start" | bc)" "$seeds"
done
echo
echo "after: $(uptime)"
