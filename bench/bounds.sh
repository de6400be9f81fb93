#!/usr/bin/env bash
# Issue 14, "bounded on small inputs": every crafted input (synth --shape,
# generated into a temp dir) through the commands named there, each under
# /usr/bin/time -v with the release binary. Fails when a run takes over
# 10 s or 2 GiB, or exits other than 0 (done) or 2 (refused with a message).
# Speed is measured here, never in `cargo test`.
#   bench/bounds.sh [BIN]     (default target/release/blastradius)
set -u
BIN=${1:-target/release/blastradius}
[ -x "$BIN" ] || { echo "no binary $BIN: cargo build --release" >&2; exit 2; }
BIN=$(realpath "$BIN")
MAX_S=10
MAX_KB=$((2 * 1024 * 1024))
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail=0
gen() { "$BIN" synth --shape "$1" --size "$2" --out - > "$DIR/$1-$2.yaml"; }
run() {
  local input=$1; shift
  /usr/bin/time -v -o "$DIR/time" timeout 120 "$BIN" "$@" "$DIR/$input.yaml" \
    > "$DIR/out" 2> "$DIR/err"
  local code=$?
  local wall kb secs
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$DIR/time")
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$DIR/time")
  secs=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  local verdict=ok
  if [ "$code" != 0 ] && [ "$code" != 2 ]; then verdict="FAIL (exit $code)"; fi
  if awk -v s="$secs" -v m="$MAX_S" 'BEGIN { exit !(s > m) }'; then verdict="FAIL (over ${MAX_S} s)"; fi
  if [ "${kb:-0}" -gt "$MAX_KB" ]; then verdict="FAIL (over 2 GiB)"; fi
  [ "$verdict" = ok ] || fail=1
  printf '%-28s %-42s %7.2f s %8d KB exit %d  %s\n' "$input" "$*" "$secs" "$kb" "$code" "$verdict"
  if [ "$code" = 2 ]; then sed 's/^/    /' "$DIR/err" | cut -c1-200 | head -2; fi
}
for n in 8000 12000; do
  gen distinct-labels $n
  run distinct-labels-$n simulate --all
  run distinct-labels-$n reach -o json
  run distinct-labels-$n report --out "$DIR/report" # the folder is replaced each time
done
for n in 500 1000; do
  gen distinct-classes $n
  run distinct-classes-$n report --out "$DIR/report"
  run distinct-classes-$n simulate --model monte-carlo --from default/p1
done
gen ip-blocks 24000;        run ip-blocks-24000 audit
gen ip-block-excepts 8000;  run ip-block-excepts-8000 reach -o connlist
gen excepts 8000;           run excepts-8000 reach -o connlist
for n in 700 1000; do
  gen layered-dag $n
  run layered-dag-$n chokepoints
done
if [ "$fail" = 0 ]; then echo "all within ${MAX_S} s and 2 GiB"; else echo "some runs over the bounds" >&2; fi
exit $fail
