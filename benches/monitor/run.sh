#!/usr/bin/env bash
# The monitor benchmark (issue 4), in one run: nginx serves 500 generated pages of ~50 KB on
# 127.0.0.1, then, one after the other on the same pages,
#   1. wrk requests them in rotation: the ceiling, what nginx serves with no check behind it;
#   2. baseline.py fetches and extracts PY_URLS of them with aiohttp + selectolax (2 processes);
#   3. monitor_bench checks NURLS URLs for ROUNDS rounds (fetch, extract, compare, store), under
#      GNU time for the whole process's peak memory and CPU.
#
# Usage: benches/monitor/run.sh [NURLS=200000] [ROUNDS=3]
# Environment: PORT (18080); PY_URLS (20000: the Python baseline checks a few hundred pages a
#   second on 2 cores, so 20,000 keep it busy for a steady 30-60 s, where NURLS would take it most
#   of an hour); PY_PROCS (2, one per core of the reference machine); CONNECTIONS (64, for wrk and
#   Python; monitor_bench keeps its own 256 checks in flight); WRK_DURATION (20s).
# Needs a release build first: cargo build --release -p app --example monitor_bench
set -euo pipefail
# monitor_bench's path and the scripts are found from the repository root.
cd "$(dirname "$0")/../.."

nurls=${1:-200000}
rounds=${2:-3}
port=${PORT:-18080}
py_urls=${PY_URLS:-20000}
py_procs=${PY_PROCS:-2}
connections=${CONNECTIONS:-64}
wrk_duration=${WRK_DURATION:-20s}
here=benches/monitor
bench=target/release/examples/monitor_bench

# Every missing tool at once, with what installs it, rather than one failure per attempt.
missing=()
[[ -x /usr/sbin/nginx ]] || missing+=("nginx: apt-get install -y nginx")
command -v wrk >/dev/null || missing+=("wrk: apt-get install -y wrk")
command -v curl >/dev/null || missing+=("curl: apt-get install -y curl")
/usr/bin/time --version >/dev/null 2>&1 || missing+=("GNU time (/usr/bin/time): apt-get install -y time")
python3 -c 'import aiohttp, selectolax.lexbor' 2>/dev/null ||
    missing+=("aiohttp and selectolax for python3: python3 -m pip install aiohttp selectolax")
[[ -x $bench ]] || missing+=("$bench: cargo build --release -p app --example monitor_bench")
if ((${#missing[@]})); then
    printf 'missing %s\n' "${missing[@]}" >&2
    exit 1
fi
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "port $port is taken; choose another with PORT=" >&2
    exit 1
fi

pages=$(mktemp -d)
trap '"$here/serve.sh" stop "$port" || true; rm -rf "$pages"' EXIT

echo "== machine"
echo "$(date -u +%FT%TZ), commit $(git rev-parse --short HEAD), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/^Mem:/ {print $2}') GiB"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(/usr/sbin/nginx -v 2>&1), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), Python $(python3 -c 'import sys, aiohttp, selectolax; print(sys.version.split()[0], "aiohttp", aiohttp.__version__, "selectolax", selectolax.__version__)')"

echo "== pages"
python3 "$here/gen_pages.py" "$pages" 500 --origin "http://127.0.0.1:$port"
"$here/serve.sh" "$port" "$pages"
origin=http://127.0.0.1:$port

echo "== ceiling: wrk -t2 -c$connections -d$wrk_duration --latency, the 500 pages in rotation"
wrk -t2 -c"$connections" -d"$wrk_duration" --latency -s "$here/pages.lua" "$origin"

echo "== Python baseline: $py_urls URLs, $py_procs processes, $connections connections"
python3 "$here/baseline.py" "$origin" "$py_urls" --procs "$py_procs" --concurrency "$connections"

echo "== monitor_bench: $nurls URLs, $rounds rounds (round 1 sets the baselines)"
/usr/bin/time -v "$bench" "$origin" "$nurls" "$rounds"
