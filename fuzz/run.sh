#!/usr/bin/env bash
# Seed the corpus and fuzz `load_compile_reach` for a number of seconds.
#
#   fuzz/run.sh [SECONDS] [-- EXTRA_LIBFUZZER_ARGS...]
#
# Environment:
#   SANITIZER  cargo-fuzz sanitizer (default: none, which builds on stable;
#              "address" needs RUSTC_BOOTSTRAP=1, see README.md)
#   FORK       if set (e.g. FORK=1), run in libFuzzer fork mode with that many
#              worker processes and keep going after crashes/timeouts/OOMs
#              (-ignore_crashes/-ignore_timeouts/-ignore_ooms); every crash is
#              still written to fuzz/artifacts/load_compile_reach/
#   SEED_ONLY  if set, only (re)build the seed corpus and exit
#
# Runs on the stable toolchain: `--sanitizer none` needs no -Z flag.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
TARGET=load_compile_reach
CORPUS="$HERE/corpus/$TARGET"
SECONDS_TO_RUN="${1:-60}"
shift || true
if [[ "${1:-}" == "--" ]]; then shift; fi
SANITIZER="${SANITIZER:-none}"
MAX_SEED=$((64 * 1024)) # the target ignores larger inputs

mkdir -p "$CORPUS"

# Copy one file into the corpus under its content hash (dedupes for free).
seed() {
    local f="$1" size
    size=$(wc -c <"$f")
    ((size > 0 && size <= MAX_SEED)) || return 0
    cp "$f" "$CORPUS/seed-$(sha1sum "$f" | cut -c1-16)"
}

# Concatenate several manifests into one multi-document seed, so the seed
# holds pods and policies together (the loader sees one text at a time).
seed_concat() {
    local tmp
    tmp=$(mktemp)
    local f
    for f in "$@"; do
        cat "$f" >>"$tmp"
        printf '\n---\n' >>"$tmp"
    done
    seed "$tmp"
    rm -f "$tmp"
}

n_before=$(find "$CORPUS" -type f | wc -l)

# 1. Every scenario shipped with the crate, one by one and per scenario.
if [[ -d "$ROOT/scenarios" ]]; then
    while IFS= read -r f; do seed "$f"; done < <(find "$ROOT/scenarios" -name '*.yaml' | sort)
    for d in "$ROOT"/scenarios/*/; do
        mapfile -t fs < <(find "$d" -name '*.yaml' | sort)
        if ((${#fs[@]})); then seed_concat "${fs[@]}"; fi
    done
fi

# 2. np-guard conformance manifests: every third file, plus each test's
#    manifests concatenated (when that fits in the size cap).
CONF=/work/shared/conformance/netpol-analyzer
if [[ -d "$CONF" ]]; then
    i=0
    while IFS= read -r f; do
        if ((i++ % 3 == 0)); then seed "$f"; fi
    done < <(find "$CONF" -path '*/manifests/*' -name '*.yaml' | sort)
    for d in "$CONF"/*/manifests/; do
        mapfile -t fs < <(find "$d" -name '*.yaml' | sort)
        if ((${#fs[@]})); then seed_concat "${fs[@]}"; fi
    done
fi

# 3. Reference recipes: each file and each recipe's cluster+policy together.
REC=/work/shared/reference/recipes
if [[ -d "$REC" ]]; then
    for d in "$REC"/*/; do
        mapfile -t fs < <(find "$d" -maxdepth 1 -name '*.yaml' | sort)
        ((${#fs[@]})) || continue
        for f in "${fs[@]}"; do seed "$f"; done
        seed_concat "${fs[@]}"
    done
fi

n_after=$(find "$CORPUS" -type f | wc -l)
echo "corpus: $CORPUS: $n_after files ($((n_after - n_before)) new seeds)" >&2
if [[ -n "${SEED_ONLY:-}" ]]; then exit 0; fi

ARGS=(
    -dict="$HERE/yaml.dict"
    -max_total_time="$SECONDS_TO_RUN"
    -timeout=10
    -rss_limit_mb=4096
    -print_final_stats=1
)
if [[ -n "${FORK:-}" ]]; then
    ARGS+=(-fork="$FORK" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
fi

cd "$ROOT"
exec cargo fuzz run --sanitizer "$SANITIZER" "$TARGET" "$CORPUS" -- "${ARGS[@]}" "$@"
