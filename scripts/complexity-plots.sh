#!/usr/bin/env bash
# Draws the complexity study's figures from the sweep CSVs (bench/sweep.cpp writes them):
#   scripts/complexity-plots.sh DATA_DIR FIG_DIR
# Columns used: 4 certificates, 5 role, 6 N, 7 M, 8 rounds, 11 messages on wire, 13 closed form
# (wire), 18/19 busiest node's messages in/out, 20/21 its bytes in/out, 22 certify p50,
# 25 commit p50 (ms).
set -euo pipefail
data=${1:-docs/data}
figs=${2:-docs/figures}
mkdir -p "$figs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Best M per (N, scheme) by commit p50, and the baselines M = 1 (star) and M = N (flat).
awk -F, 'NR > 1 && $5 != "vapor" {
    k = $6 "," $4
    if (!(k in best) || $25 + 0 < bestlat[k]) { best[k] = $7; bestlat[k] = $25; bestmsg[k] = $11 }
    if ($7 == 1) { starlat[k] = $25; starmsg[k] = $11 }
    if ($7 == $6) { flatlat[k] = $25; flatmsg[k] = $11 }
    n[k] = $6; s[k] = $4
  }
  $5 == "vapor" && $4 == "list" { print "# vapor N=10 flat: messages " $11 ", commit p50 " $25 > "/dev/stderr" }
  END {
    print "# N scheme best_M best_msgs best_commit_p50 star_msgs star_commit_p50 flat_msgs flat_commit_p50"
    for (k in best)
      printf "%s %s %s %s %s %s %s %s %s\n", n[k], s[k], best[k], bestmsg[k], bestlat[k],
        (k in starmsg ? starmsg[k] : "NaN"), (k in starlat ? starlat[k] : "NaN"),
        (k in flatmsg ? flatmsg[k] : "NaN"), (k in flatlat ? flatlat[k] : "NaN")
  }' "$data/default.csv" 2>"$tmp/vapor.txt" | sort -k1,1n -k2,2 > "$data/best-m.txt"
vapor_msgs=$(awk -F, '$5 == "vapor" && $4 == "list" { print $11 }' "$data/default.csv")
vapor_lat=$(awk -F, '$5 == "vapor" && $4 == "list" { print $25 }' "$data/default.csv")

ns=$(awk -F, 'NR > 1 && $5 != "vapor" { print $6 }' "$data/default.csv" | sort -n | uniq | tr '\n' ' ')
# One whitespace-separated file per series (same column numbers), so that lines connect.
split() { # CSV PREFIX: PREFIX-<certificates>-<N>.dat, rows sorted by M
  awk -F, -v pre="$2" 'NR > 1 && $5 != "vapor" {
      f = pre "-" $4 "-" $6 ".dat"; gsub(/,/, " "); print > f }' "$1"
  for f in "$2"-*.dat; do sort -k7,7n -o "$f" "$f"; done
}
split "$data/default.csv" "$tmp/default"
split "$data/law.csv" "$tmp/law"
awk '$2 == "list"' "$data/best-m.txt" > "$tmp/best-list.dat"
awk '$2 == "aggregate"' "$data/best-m.txt" > "$tmp/best-aggregate.dat"
law_ns=$(awk -F, 'NR > 1 { print $6 }' "$data/law.csv" | sort -n | uniq | tr '\n' ' ')

cat > "$tmp/plot.gp" <<GP
set datafile separator whitespace
set terminal pngcairo size 1000,620 font "sans,10"
set key outside right top
set grid
set logscale x 2
f(n, m) = m*m + 3*n - 3*m - 1

set output "$figs/messages-vs-m.png"
set title "Messages per round vs M (points: measured on the wire, study-law.yaml; lines: M^2+3N-3M-1)"
set xlabel "super nodes M"
set ylabel "messages per round"
set logscale y 10
plot for [n in "$law_ns"] sprintf("$tmp/law-list-%s.dat", n) using 7:11 \
       with points pt 7 ps 1 title sprintf("N=%s measured", n), \
     for [n in "$law_ns"] [1:n+0:1] '+' using 1:(f(n+0, \$1)) with lines lc rgb "gray" notitle
unset logscale y

do for [scheme in "list aggregate"] {
  set output sprintf("$figs/latency-vs-m-%s.png", scheme)
  set title sprintf("Commit latency p50 vs M, default network (5 AWS regions, 100 Mbit/s, 5,000 tx blocks), %s certificates; o = optimum", scheme)
  set xlabel "super nodes M"
  set ylabel "proposal -> final commit, p50 (s)"
  set logscale y 10
  plot for [n in "$ns"] sprintf("$tmp/default-%s-%s.dat", scheme, n) using 7:(\$25/1000) \
         with linespoints pt 7 ps 0.6 title sprintf("N=%s", n), \
       sprintf("$tmp/best-%s.dat", scheme) using 3:(\$5/1000):(sprintf("M=%d", \$3)) \
         with labels point pt 6 ps 2.5 lc rgb "black" offset 0,1.2 notitle
  unset logscale y
}

set output "$figs/busiest-load-vs-m.png"
set multiplot layout 1,2 title "Busiest node per block, default network, list certificates"
set logscale y 10
set title "messages in + out"
set ylabel "messages per block"
unset key
plot for [n in "$ns"] sprintf("$tmp/default-list-%s.dat", n) using 7:((\$18+\$19)/\$8) \
       with linespoints pt 7 ps 0.6 title sprintf("N=%s", n)
set title "bytes out (uplink)"
set ylabel "MB per block"
set key outside right top
plot for [n in "$ns"] sprintf("$tmp/default-list-%s.dat", n) using 7:(\$21/\$8/1e6) \
       with linespoints pt 7 ps 0.6 title sprintf("N=%s", n)
unset multiplot
unset logscale y

set output "$figs/vs-n-baselines.png"
set terminal pngcairo size 1100,550 font "sans,10"
set multiplot layout 1,2 title "BBFT at the best M vs the baselines, default network, list certificates"
set logscale xy 10
set xrange [5:20000]
set xlabel "consensus nodes N"
set key left top inside font ",9"
set title "messages per round"
set ylabel "messages"
plot "$tmp/best-list.dat" using 1:4 with linespoints pt 7 title "BBFT, best M", \
     "" using 1:6 with linespoints pt 5 title "M = 1 (FBFT star)", \
     "" using 1:8 with linespoints pt 9 title "M = N (PBFT, flat voting), measured", \
     [10:10000] "+" using 1:(\$1*\$1-1) with lines dt 2 lc rgb "gray" title "N^2-1 (M = N, closed form)", \
     "+" using (10):($vapor_msgs) with points pt 3 ps 2 title "Vapor: 10 producers all-to-all"
set title "commit latency p50"
set ylabel "seconds"
plot "$tmp/best-list.dat" using 1:(\$5/1000) with linespoints pt 7 title "BBFT, best M", \
     "" using 1:(\$7/1000) with linespoints pt 5 title "M = 1 (FBFT star)", \
     "" using 1:(\$9/1000) with linespoints pt 9 title "M = N (PBFT, flat voting)", \
     "$tmp/best-aggregate.dat" using 1:(\$5/1000) with linespoints pt 6 title "BBFT, best M, aggregate certificates", \
     "+" using (10):($vapor_lat/1000) with points pt 3 ps 2 title "Vapor: 10 producers all-to-all"
unset multiplot
GP
if [[ -f "$data/sensitivity.csv" ]]; then
  tags=$(awk -F, 'NR > 1 { print $1 }' "$data/sensitivity.csv" | uniq | tr '\n' ' ')
  cat >> "$tmp/plot.gp" <<GP
set datafile separator ","
unset logscale
set logscale x 2
set logscale y 10
set output "$figs/sensitivity-n1024.png"
set title "Commit latency p50 vs M at N = 1024, list certificates: bandwidth, latency and load"
set xlabel "super nodes M"
set ylabel "proposal -> final commit, p50 (s)"
set key outside right top
plot for [t in "$tags"] "$data/sensitivity.csv" using (strcol(1) eq t ? \$7 : 1/0):(\$25/1000) \
       with linespoints pt 7 ps 0.6 title t
GP
fi
gnuplot "$tmp/plot.gp"
cat "$tmp/vapor.txt"
ls "$figs"
