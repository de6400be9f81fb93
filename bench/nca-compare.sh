#!/usr/bin/env bash
# Benchmark blastradius against network-config-analyzer (NCA, PyPI
# `network-config-analyzer`) on the same synthetic clusters.
#
#   bench/nca-compare.sh                 # all sizes: 100, 1000, 10000, 150000 pods
#   SIZES="100 1000" bench/nca-compare.sh
#
# What it does:
#   1. creates a venv OUTSIDE the repo ($VENV, default /tmp/nca-venv) with NCA;
#   2. generates the clusters with `blastradius synth` under $WORK (default /tmp/cmp);
#      NCA reads the same single cluster.yaml (Namespaces, Pods, Deployments,
#      NetworkPolicies in one file) as blastradius, no splitting needed;
#   3. runs, each under `/usr/bin/time -v` and `timeout $TIMEOUT`:
#        blastradius reach DIR -o connlist     ($REPS times, median reported)
#        blastradius simulate DIR --all        ($REPS times, median reported)
#        nca --connectivity -r DIR -o txt_no_fw_rules  (per-pair map, same shape as connlist)
#        nca --connectivity -r DIR -o txt              (NCA's default: grouped firewall rules)
#      NCA runs once per size; after the first size where an NCA mode does not
#      finish (timeout, out of memory, error), that mode is skipped for larger sizes.
#      The same holds for a blastradius mode whose first repetition fails.
#   4. checks that NCA's and blastradius's per-pair maps agree (normalised) and
#      prints a Markdown table.
#
# Every process runs under `ulimit -v $MEM_LIMIT_KB` (default 16 GiB) so that a run
# that outgrows the machine fails alone instead of waking the kernel OOM killer.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BR_SRC=${BR:-$REPO/target/release/blastradius}
WORK=${WORK:-/tmp/cmp}
VENV=${VENV:-/tmp/nca-venv}
NCA_VERSION=${NCA_VERSION:-2.1.0}
TIMEOUT=${TIMEOUT:-300}
REPS=${REPS:-3}
MEM_LIMIT_KB=${MEM_LIMIT_KB:-16777216}
SIZES=${SIZES:-"100 1000 10000 150000"}
NCA_FORMATS=${NCA_FORMATS:-"txt_no_fw_rules txt"}
# Optional extra: one uncapped-ish NCA txt_no_fw_rules run at one size, e.g.
#   LONG_NCA_SIZE=10000 LONG_NCA_TIMEOUT=3600 bench/nca-compare.sh
LONG_NCA_SIZE=${LONG_NCA_SIZE:-}
LONG_NCA_TIMEOUT=${LONG_NCA_TIMEOUT:-3600}

mkdir -p "$WORK/logs" "$WORK/out"

# --- blastradius binary (snapshot it: others may rebuild the repo meanwhile) ---
if [ ! -x "$BR_SRC" ]; then
  (cd "$REPO" && cargo build --release) || exit 1
fi
BR=$WORK/blastradius
cp "$BR_SRC" "$BR"
BR_REV=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null)$(cd "$REPO" && git diff --quiet 2>/dev/null || echo "+dirty")

# --- NCA in a venv outside the repo ---
if [ ! -x "$VENV/bin/nca" ]; then
  python3 -m venv "$VENV" || exit 1
  "$VENV/bin/pip" install -q "network-config-analyzer==$NCA_VERSION" || exit 1
fi
NCA=$VENV/bin/nca
NCA_V=$("$VENV/bin/pip" show network-config-analyzer 2>/dev/null | awk '/^Version:/{print $2}')

# --- clusters ---
params() { # size -> "namespaces policies label-diversity"
  case $1 in
    100) echo "5 10 20" ;;
    1000) echo "10 100 20" ;;
    10000) echo "50 1000 20" ;;
    150000) echo "1000 10000 1" ;;
    *) echo "$(( $1 / 150 > 1 ? $1 / 150 : 1 )) $(( $1 / 15 > 1 ? $1 / 15 : 1 )) 20" ;;
  esac
}
for n in $SIZES; do
  read -r m k d <<<"$(params "$n")"
  if [ ! -f "$WORK/$n/cluster.yaml" ]; then
    "$BR" synth --pods "$n" --namespaces "$m" --policies "$k" --seed 1 \
      --label-diversity "$d" --out "$WORK/$n" >/dev/null || exit 1
  fi
done

# --- measurement ---
# measure NAME OUTFILE CMD... ; sets WALL (s), RSS (MiB), STATUS
measure() {
  local name=$1 out=$2; shift 2
  local tf=$WORK/logs/$name.time ef=$WORK/logs/$name.err
  local t0 t1 rc
  t0=$(date +%s%N)
  ( ulimit -v "$MEM_LIMIT_KB"
    exec /usr/bin/time -v -o "$tf" timeout "$TIMEOUT" "$@" >"$out" 2>"$ef" )
  rc=$?
  t1=$(date +%s%N)
  # wall clock from date (ns; GNU time's "Elapsed" has 10 ms resolution), RSS from time -v
  WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b - a) / 1e9}')
  RSS=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$tf")
  # CPU = user + sys (less sensitive than wall time to other load on the machine)
  CPU=$(awk -F': ' '/User time|System time/{s+=$2} END{printf "%.2f", s}' "$tf")
  if [ "$rc" -eq 124 ]; then STATUS="timeout"
  elif grep -qiE 'memory allocation of|MemoryError|Cannot allocate memory' "$ef"; then STATUS="out of memory"
  elif grep -q 'terminated by signal 9' "$tf"; then STATUS="killed (OOM?)"
  elif [ "$rc" -eq 0 ] || { [ "$rc" -eq 1 ] && [[ $name == nca* ]]; }; then STATUS="ok"
  else STATUS="rc=$rc"; fi
  printf '  %-34s %8ss wall %8ss CPU %7s MiB  %s\n' "$name" "$WALL" "$CPU" "$RSS" "$STATUS" >&2
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

declare -A RES SKIP
# br_mode NAME SIZE CMD... : REPS runs, median wall and median RSS
br_mode() {
  local mode=$1 n=$2; shift 2
  local walls=() cpus=() rsss=() i out=$WORK/out/$mode-$n.out
  if [ -n "${SKIP[$mode]:-}" ]; then RES[$mode,$n]="skipped"; return; fi
  for i in $(seq 1 "$REPS"); do
    measure "$mode-$n-r$i" "$out" "$@"
    if [ "$STATUS" != ok ]; then
      RES[$mode,$n]="$STATUS after ${WALL} s (CPU ${CPU} s) / ${RSS} MiB"; SKIP[$mode]=1; return
    fi
    walls+=("$WALL"); cpus+=("$CPU"); rsss+=("$RSS")
  done
  RES[$mode,$n]="$(median "${walls[@]}") s (CPU $(median "${cpus[@]}") s) / $(median "${rsss[@]}") MiB"
  RES[$mode,$n,wall]=$(median "${walls[@]}")
  RES[$mode,$n,lines]=$(wc -l <"$out")
}
nca_mode() {
  local fmt=$1 n=$2 mode=nca-$1 out=$WORK/out/nca-$1-$2.out
  if [ -n "${SKIP[$mode]:-}" ]; then RES[$mode,$n]="skipped"; return; fi
  measure "$mode-$n" "$WORK/logs/$mode-$n.stdout" "$NCA" --connectivity -r "$WORK/$n" -o "$fmt" -f "$out"
  if [ "$STATUS" != ok ] || [ ! -s "$out" ]; then
    RES[$mode,$n]="$STATUS after ${WALL} s (CPU ${CPU} s) / ${RSS} MiB"; SKIP[$mode]=1; return
  fi
  RES[$mode,$n]="$WALL s (CPU $CPU s) / $RSS MiB"; RES[$mode,$n,wall]=$WALL
  RES[$mode,$n,lines]=$(wc -l <"$out")
}

echo "blastradius $BR_REV ($BR_SRC), NCA $NCA_V, timeout ${TIMEOUT}s, ${REPS} reps, ulimit -v ${MEM_LIMIT_KB} KiB, $(nproc) cores" >&2
for n in $SIZES; do
  echo "== $n pods" >&2
  br_mode reach "$n" "$BR" reach "$WORK/$n" -o connlist
  br_mode simulate "$n" "$BR" simulate "$WORK/$n" --all
  for f in $NCA_FORMATS; do nca_mode "$f" "$n"; done
done

if [ -n "$LONG_NCA_SIZE" ]; then
  echo "== NCA txt_no_fw_rules at $LONG_NCA_SIZE pods, timeout ${LONG_NCA_TIMEOUT}s" >&2
  TIMEOUT=$LONG_NCA_TIMEOUT measure "nca-long-$LONG_NCA_SIZE" "$WORK/logs/nca-long-$LONG_NCA_SIZE.stdout" \
    "$NCA" --connectivity -r "$WORK/$LONG_NCA_SIZE" -o txt_no_fw_rules -f "$WORK/out/nca-long-$LONG_NCA_SIZE.out"
  LONG_RES="$STATUS: $WALL s (CPU $CPU s) / $RSS MiB, $(wc -l <"$WORK/out/nca-long-$LONG_NCA_SIZE.out" 2>/dev/null || echo 0) lines"
  LONG_OK=$STATUS
fi

# --- agreement: NCA txt_no_fw_rules vs blastradius connlist ---
cat >"$WORK/compare.py" <<'EOF'
"""Compare NCA `-o txt_no_fw_rules` with blastradius `reach -o connlist`.
Normalises the [External] suffix and the connection spelling; merges adjacent IP
ranges with the same connections per workload and direction (the two tools cut
the address space differently); unions NCA lines that repeat a pair; drops
NCA's synthetic kube-system/kube-dns-livesim pod (which blastradius does not invent)."""
import sys, ipaddress, re
from collections import defaultdict

def ip_range(s):
    if re.match(r'^[0-9.]+-[0-9.]+$', s):
        a, b = s.split('-'); return int(ipaddress.ip_address(a)), int(ipaddress.ip_address(b))
    if re.match(r'^[0-9.]+(/\d+)?$', s):
        n = ipaddress.ip_network(s, strict=False); return int(n.network_address), int(n.broadcast_address)
    return None

def conn(c):
    if c.lower() == 'all connections': return 'ALL'
    out = set()
    if c.startswith('{'):   # NCA: {protocols:TCP, UDP,dst_ports:53},{...}
        for clause in re.findall(r'\{([^}]*)\}', c):
            m = re.match(r'protocols:([^,]+(?:, [^,]+)*)(?:,dst_ports:(.*))?$', clause)
            for p in m.group(1).split(','):
                for q in (m.group(2) or '1-65535').split(','): out.add((p.strip(), q.strip()))
    else:                   # blastradius: TCP 5432,6379,UDP 53
        proto = None
        for tok in c.split(','):
            tok = tok.strip()
            if ' ' in tok: proto, tok = tok.split(' ', 1)
            elif tok.isalpha(): proto, tok = tok, '1-65535'
            out.add((proto, tok))
    return tuple(sorted(out))

def load(path):
    pairs, ipedges, dup, synthetic = {}, defaultdict(list), 0, 0
    for l in open(path):
        if ' => ' not in l: continue
        a, rest = l.rstrip('\n').split(' => ', 1)
        b, c = rest.rsplit(' : ', 1)
        a = a.replace('[External]', '').strip(); b = b.replace('[External]', '').strip()
        if 'kube-dns-livesim' in a + b: synthetic += 1; continue
        c = conn(c.strip()); ra, rb = ip_range(a), ip_range(b)
        if ra: ipedges[(b, 'ingress from IPs')].append((ra, c))
        elif rb: ipedges[(a, 'egress to IPs')].append((rb, c))
        else:
            old = pairs.get((a, b))
            if old is not None: dup += 1
            pairs[(a, b)] = c if old is None else ('ALL' if 'ALL' in (old, c) else tuple(sorted(set(old) | set(c))))
    merged = {}
    for k, lst in ipedges.items():
        lst.sort(); m = []
        for (lo, hi), c in lst:
            if m and m[-1][2] == c and m[-1][1] + 1 == lo: m[-1][1] = hi
            else: m.append([lo, hi, c])
        merged[k] = [tuple(x) for x in m]
    return pairs, merged, dup, synthetic

n, nip, ndup, nsyn = load(sys.argv[1]); r, rip, _, _ = load(sys.argv[2])
sn, sr = set(n), set(r)
diff = sorted(k for k in sn & sr if n[k] != r[k])
ki = set(nip) | set(rip)
ipdiff = sorted(k for k in ki if nip.get(k) != rip.get(k))
print(f'- workload->workload pairs: NCA {len(sn)}, blastradius {len(sr)}, common {len(sn & sr)}, '
      f'only NCA {len(sn - sr)}, only blastradius {len(sr - sn)}; '
      f'common pairs with different ports/protocols: {len(diff)}')
print(f'- workload<->IP-range connections (adjacent ranges merged): {len(ki)} workload/direction entries, {len(ipdiff)} differ')
print(f'- NCA lines involving its synthetic kube-system/kube-dns-livesim pod (dropped): {nsyn}; '
      f'NCA lines repeating an already-listed pair (connections unioned): {ndup}')
for k in sorted(sn - sr)[:5]: print('  - only NCA:', k, n[k])
for k in sorted(sr - sn)[:5]: print('  - only blastradius:', k, r[k])
for k in diff[:5]: print('  - differ:', k, 'NCA', n[k], 'blastradius', r[k])
for k in ipdiff[:5]: print('  - IP differ:', k, 'NCA', nip.get(k), 'blastradius', rip.get(k))
EOF

echo
echo "### blastradius vs NCA $NCA_V ($(nproc) cores; blastradius: median of $REPS runs; NCA: 1 run; timeout ${TIMEOUT} s)"
echo
echo "| pods / namespaces / policies | NCA connectivity \`txt_no_fw_rules\` wall (CPU) / max RSS | NCA connectivity \`txt\` (default, fw rules) wall (CPU) / max RSS | blastradius \`reach -o connlist\` wall (CPU) / max RSS | NCA (\`txt_no_fw_rules\`) / blastradius reach | blastradius \`simulate --all\` wall (CPU) / max RSS |"
echo "|---|---|---|---|---|---|"
for n in $SIZES; do
  read -r m k d <<<"$(params "$n")"
  ratio="—"
  if [ -n "${RES[nca-txt_no_fw_rules,$n,wall]:-}" ] && [ -n "${RES[reach,$n,wall]:-}" ]; then
    ratio=$(awk -v a="${RES[nca-txt_no_fw_rules,$n,wall]}" -v b="${RES[reach,$n,wall]}" \
      'BEGIN{ printf "%.0f×", a / b }')
  fi
  echo "| $n / $m / $k (label diversity $d) | ${RES[nca-txt_no_fw_rules,$n]:-—} | ${RES[nca-txt,$n]:-—} | ${RES[reach,$n]:-—} | $ratio | ${RES[simulate,$n]:-—} |"
done
if [ -n "$LONG_NCA_SIZE" ]; then
  echo
  echo "NCA \`txt_no_fw_rules\` at $LONG_NCA_SIZE pods with a ${LONG_NCA_TIMEOUT} s timeout: $LONG_RES"
fi
echo
echo "Output sizes (lines): "
for n in $SIZES; do
  echo "- $n pods: blastradius connlist ${RES[reach,$n,lines]:-—}, NCA txt_no_fw_rules ${RES[nca-txt_no_fw_rules,$n,lines]:-—}, NCA txt ${RES[nca-txt,$n,lines]:-—}"
done
echo
echo "Agreement (NCA \`txt_no_fw_rules\` vs blastradius \`connlist\`):"
for n in $SIZES; do
  a=$WORK/out/nca-txt_no_fw_rules-$n.out b=$WORK/out/reach-$n.out
  if [ -n "${RES[nca-txt_no_fw_rules,$n,wall]:-}" ] && [ -n "${RES[reach,$n,wall]:-}" ]; then
    echo "- $n pods:"
    python3 "$WORK/compare.py" "$a" "$b" | sed 's/^/  /'
  fi
done
if [ "${LONG_OK:-}" = ok ] && [ -s "$WORK/out/reach-$LONG_NCA_SIZE.out" ]; then
  echo "- $LONG_NCA_SIZE pods (long NCA run):"
  python3 "$WORK/compare.py" "$WORK/out/nca-long-$LONG_NCA_SIZE.out" "$WORK/out/reach-$LONG_NCA_SIZE.out" | sed 's/^/  /'
fi
