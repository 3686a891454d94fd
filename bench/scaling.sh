#!/usr/bin/env bash
# bench/scaling.sh: OpenDRT's scaling curves from drt-sim (docs/performance.md, "Scaling").
#
#   bench/scaling.sh run N...   run drt-sim once per N (release build), append its JSON line to
#                               docs/data/scaling.jsonl (one line per run; a later line for the
#                               same N replaces an earlier one in the plot)
#   bench/scaling.sh plot       docs/img/scaling.svg from docs/data/scaling.jsonl (gnuplot):
#                               hops per lookup and memory per node against N, next to log16(N)
#
# Environment: DRT_SIM (default build/release/bin/drt-sim), SCALING_DATA, SCALING_SVG.
# The lookups per run and the join interval follow docs/simulator.md's published runs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIM=${DRT_SIM:-$ROOT/build/release/bin/drt-sim}
DATA=${SCALING_DATA:-$ROOT/docs/data/scaling.jsonl}
SVG=${SCALING_SVG:-$ROOT/docs/img/scaling.svg}

die() {
  echo "scaling: $*" >&2
  exit 1
}

# The drt-sim arguments for one N: as many lookups as nodes (at least 1,000), and for
# 100,000 nodes the faster joins and lookup rate of docs/simulator.md's 100k run.
sim_args() {
  local n=$1 lookups=$1
  ((lookups >= 1000)) || lookups=1000
  local args=(--nodes "$n" --lookups "$lookups" --seed 1 --json)
  if ((n >= 100000)); then
    args+=(--join-interval-ms 2 --lookup-rate 5000)
  fi
  echo "${args[@]}"
}

cmd_run() {
  (($# > 0)) || die "run needs at least one N"
  [[ -x $SIM ]] || die "no $SIM: build it first (cmake --preset release && cmake --build build/release --target drt-sim)"
  mkdir -p "$(dirname "$DATA")"
  local n line
  for n in "$@"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$n'"
    # shellcheck disable=SC2046  # sim_args prints a word list
    echo "scaling: drt-sim $(sim_args "$n")" >&2
    # shellcheck disable=SC2046
    line=$("$SIM" $(sim_args "$n") | tail -n 1)
    [[ $line == \{*\} ]] || die "drt-sim printed no JSON line for N=$n"
    echo "$line" >>"$DATA"
    echo "$line"
  done
}

# One number field of a flat JSON object on stdin.
field() {
  sed -n "s/.*\"$1\":\([-0-9.eE+]*\).*/\1/p"
}

cmd_plot() {
  [[ -s $DATA ]] || die "no data in $DATA: run '$0 run 1000 10000' first"
  command -v gnuplot >/dev/null || die "gnuplot is not installed (apt-get install gnuplot-nox; ./dev bench installs it)"
  local table n
  table=$(mktemp)
  # Last line per N wins; columns: N hops_mean hops_p99 engine_bytes/node rss_bytes/node msgs/lookup wall_s
  declare -A rows=()
  while IFS= read -r line; do
    [[ -n $line ]] || continue
    n=$(field nodes <<<"$line")
    rows[$n]="$n $(field hops_mean <<<"$line") $(field hops_p99 <<<"$line") $(field bytes_per_node <<<"$line") $(field rss_bytes_per_node <<<"$line") $(field msgs_per_lookup <<<"$line") $(field wall_s <<<"$line")"
  done <"$DATA"
  for n in $(printf '%s\n' "${!rows[@]}" | sort -n); do echo "${rows[$n]}"; done >"$table"
  mkdir -p "$(dirname "$SVG")"
  # A point of the curve that has no run yet is marked, not drawn.
  local missing=""
  grep -q '^100000 ' "$table" ||
    missing='set label 1 "N = 100,000: not measured yet" at 100000, graph 0.5 center rotate by 90 textcolor rgb "gray40"'
  gnuplot <<GP
set terminal svg size 900,420 dynamic font "sans,12" background rgb "white" noenhanced
set output "$SVG"
set multiplot layout 1,2 title "OpenDRT in drt-sim (null security, virtual time): measured points"
set logscale x 10
set xrange [500:200000]
set xlabel "nodes N"
set grid
set key top left
set offsets 0, 0, 1, 0
$missing
set title "hops per exact lookup"
set ylabel "LOOKUPs sent per search"
set yrange [0:*]
log16(x) = log(x)/log(16)
plot "$table" using 1:2 with linespoints lw 2 pt 7 title "mean (measured)", \
     "$table" using 1:3 with points pt 6 title "p99 (measured)", \
     log16(x) with lines dt 2 lw 2 title "log16(N)", \
     log16(x)+1 with lines dt 3 title "log16(N) + 1"
set title "memory per node"
set ylabel "bytes per node"
set yrange [0:*]
set offsets 0, 0, 2000, 0
plot "$table" using 1:4 with linespoints lw 2 pt 7 title "engine state (node::memory_bytes)", \
     "$table" using 1:5 with linespoints lw 2 pt 5 title "peak RSS / N (whole simulator)", \
     8192 with lines dt 2 title "8 KiB"
unset multiplot
GP
  rm -f "$table"
  echo "scaling: wrote $SVG from $(wc -l <"$DATA") line(s) of $DATA"
}

case ${1:-} in
  run) shift; cmd_run "$@" ;;
  plot) cmd_plot ;;
  *) echo "usage: $0 run N... | plot" >&2; exit 2 ;;
esac
