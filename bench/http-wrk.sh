#!/usr/bin/env bash
# The HTTP API under wrk on loopback: submissions (POST /tasks/risk-detection, a short text) and reads
# (GET /tasks/{id}), requests/s and latency percentiles per number of connections, as a markdown table.
#   bench/http-wrk.sh            the embedded store (memory), as ./run.sh starts the service
#   bench/http-wrk.sh --redis    Redis mode, on a redis-server of its own
# Env: DURATION (seconds per row, default 10), CONNECTIONS (default "1 16 64"), THREADS (wrk threads, default 2).
# The API runs in Release with its default logging (a line per request, to the console and a file), no embedded
# workers (the queue only grows), from a temp folder that is deleted after. wrk is installed with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
duration="${DURATION:-10}"; connections="${CONNECTIONS:-1 16 64}"; threads="${THREADS:-2}"
mode=memory; [ "${1:-}" = "--redis" ] && mode=redis

need_apt=()
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
[ "$mode" = redis ] && { command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server); }
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "http-wrk.sh: installing ${need_apt[*]} with apt" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
dotnet build "$root/QueueHttpApi" -c Release -nologo -v q >&2

work="$(mktemp -d)"; pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

env_redis=()
if [ "$mode" = redis ]; then
  rport="$(free_port)"
  redis-server --bind 127.0.0.1 --port "$rport" --save "" --appendonly no --dir "$work" --logfile "$work/redis.log" --daemonize no &
  pids+=($!)
  for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
  env_redis=(REDIS_URL="127.0.0.1:$rport")
fi
port="$(free_port)"
(cd "$work" && env "${env_redis[@]}" QUEUE_EMBEDDED_WORKERS=0 BACKUP_DIR="$work/backups" SPOOL_DIR="$work/spool" \
  dotnet "$root/QueueHttpApi/bin/Release/net10.0/QueueHttpApi.dll" --urls "http://127.0.0.1:$port" >"$work/api.out" 2>&1) &
pids+=($!)
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/health" >/dev/null || { echo "http-wrk.sh: the API did not start:" >&2; tail -20 "$work/api.out" >&2; exit 1; }

cat > "$work/submit.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"text":"The quarterly numbers look fine; nothing to report."}'
wrk.headers["Content-Type"] = "application/json"
LUA
id="$(curl -fs -X POST -H 'Content-Type: application/json' -d '{"text":"read me"}' "http://127.0.0.1:$port/tasks/risk-detection" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"

# wrk prints "Requests/sec: N" and, with --latency, "50% x.xxms" … "99% x.xxms" (units us, ms or s).
row() {
  local name="$1" c="$2"; shift 2
  wrk -t"$(( c < threads ? c : threads ))" -c"$c" -d"${duration}s" --latency "$@" > "$work/wrk.txt" 2>&1 || { cat "$work/wrk.txt" >&2; return 1; }
  python3 - "$name" "$c" "$work/wrk.txt" <<'PY'
import re, sys
name, c, path = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
def ms(p):
    m = re.search(r'^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$' % p, text, re.M)
    if not m: return 'n/a'
    v, u = float(m.group(1)), m.group(2)
    return '%.2f' % (v / 1000 if u == 'us' else v * 1000 if u == 's' else v)
rps = re.search(r'Requests/sec:\s+([\d.]+)', text)
errors = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', text)
print('| %s | %s | %s | %s | %s | %s | %s |' % (name, c, '{:,.0f}'.format(float(rps.group(1))) if rps else 'n/a',
      ms(50), ms(90), ms(99), errors.group(1) if errors else '0'))
PY
}
echo "### HTTP API under wrk ($mode store, $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, ${duration} s per row)"
echo
echo "| request | connections | requests/s | p50 ms | p90 ms | p99 ms | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for c in $connections; do
  row "POST /tasks/risk-detection" "$c" -s "$work/submit.lua" "http://127.0.0.1:$port/tasks/risk-detection"
  row "GET /tasks/{id}" "$c" "http://127.0.0.1:$port/tasks/$id"
done
