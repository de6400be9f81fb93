#!/usr/bin/env bash
# Records the output of every command and format on every scenario, lesson,
# reference and conformance case, so a refactoring can be checked to change
# no byte:
#
#   bench/record-outputs.sh target/release/blastradius /tmp/before
#   ... refactor, rebuild ...
#   bench/record-outputs.sh target/release/blastradius /tmp/after
#   diff -r /tmp/before /tmp/after && echo identical
#
# The output folder and the checkout's path are replaced by <OUT> and <ROOT>
# in what is recorded, so two checkouts compare equal.
#
# Each output file holds stdout, then a line with the exit code, then stderr.
# Inputs that the tool refuses are recorded too (their error text is output).
set -uo pipefail
BIN=$(realpath "$1")
OUT=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(realpath -m "$ROOT/../shared")
mkdir -p "$OUT"
n=0

run() { # name, then the command's arguments
  local name=$1
  shift
  local f="$OUT/$name"
  mkdir -p "$(dirname "$f")"
  (cd "$ROOT" && "$BIN" "$@" >"$f" 2>"$f.err")
  echo "exit $?" >>"$f"
  cat "$f.err" >>"$f"
  rm -f "$f.err"
  # Paths of this run's folders are not output: normalise them.
  sed -i -e "s#$OUT#<OUT>#g" -e "s#$ROOT#<ROOT>#g" "$f"
  n=$((n + 1))
}

# Two workload names of an input (first and last in the workload list).
pair() {
  "$BIN" reach "$@" -o csv 2>/dev/null | tail -n +2 | cut -d, -f1 | grep -v '^[0-9a-f.:]*-' | sort -u | sed -n '1p;$p'
}

all_commands() { # key, input path, extra flags...
  local key=$1 path=$2
  shift 2
  for level in workload pod; do
    for fmt in text json csv md dot connlist; do
      run "$key/reach.$level.$fmt" reach "$path" "$@" --level "$level" -o "$fmt"
    done
  done
  mapfile -t ends < <(pair "$path" "$@")
  if [ "${#ends[@]}" -ge 2 ]; then
    for fmt in text json; do
      run "$key/explain.$fmt" explain "$path" "$@" --from "${ends[0]}" --to "${ends[1]}" -o "$fmt"
      run "$key/explain-rev.$fmt" explain "$path" "$@" --from "${ends[1]}" --to "${ends[0]}" --port 80 -o "$fmt"
    done
    for fmt in text json md; do
      run "$key/simulate-one.$fmt" simulate "$path" "$@" --from "${ends[0]}" --target app -o "$fmt"
    done
    run "$key/simulate-mc.text" simulate "$path" "$@" --from "${ends[0]}" --model monte-carlo --trials 200
    run "$key/simulate-mc.json" simulate "$path" "$@" --from "${ends[0]}" --model monte-carlo --trials 200 -o json
  fi
  for fmt in text json md; do
    run "$key/simulate-all.$fmt" simulate "$path" "$@" --all -o "$fmt"
  done
  for fmt in text json sarif; do
    run "$key/audit.$fmt" audit "$path" "$@" -o "$fmt"
  done
  for fmt in text json; do
    run "$key/chokepoints.$fmt" chokepoints "$path" "$@" -o "$fmt"
  done
}

report() { # key, input path
  local key=$1 path=$2
  rm -rf "$OUT/$key/report-dir"
  run "$key/report" report "$path" --out "$OUT/$key/report-dir"
}

all_commands shop scenarios/shop
report shop scenarios/shop
run shop/simulate-svg simulate scenarios/shop --from shop/frontend --target tier=data --svg "$OUT/shop/svg"

for lesson in "$ROOT"/scenarios/0*/; do
  l=$(basename "$lesson")
  for sub in "$lesson"*/; do
    s=$(basename "$sub")
    all_commands "lessons/$l/$s" "scenarios/$l/$s"
    report "lessons/$l/$s" "scenarios/$l/$s"
  done
  subs=("$lesson"*/)
  if [ "${#subs[@]}" -ge 2 ]; then
    a=${subs[0]%/}
    b=${subs[1]%/}
    for fmt in text json md; do
      run "lessons/$l/diff.$fmt" diff "$b" "$a" --target tier=db -o "$fmt" --fail-on added,removed,blast-increase,new-target-path
    done
    run "lessons/$l/diff.svg" diff "$b" "$a" -o svg --out "$OUT/lessons/$l/diff-svg"
  fi
done

if [ -d "$SHARED" ]; then
  for r in "$SHARED"/reference/recipes/*/; do
    all_commands "recipes/$(basename "$r")" "$r"
  done
  all_commands boutique "$SHARED/reference/microservices-demo"
  for c in "$SHARED"/conformance/netpol-analyzer/*/; do
    [ -d "$c/manifests" ] || continue
    k=conformance/$(basename "$c")
    for level in workload pod; do
      for fmt in text json connlist; do
        run "$k/reach.$level.$fmt" reach "$c/manifests" --level "$level" -o "$fmt"
        run "$k/reach-np.$level.$fmt" reach "$c/manifests" --ipblock-pods ignore --host-network-as-pods --include-terminal-pods --lenient-names --level "$level" -o "$fmt"
      done
    done
    run "$k/audit.json" audit "$c/manifests" -o json
    run "$k/simulate-all.json" simulate "$c/manifests" --all -o json
  done
else
  echo "SKIPPED: ../shared is absent; only scenarios and lessons recorded" >&2
fi
echo "$n outputs recorded in $OUT"
