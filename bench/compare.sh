#!/usr/bin/env bash
# RedisQueue beside BullMQ and Sidekiq on one redis-server, in one run, and our ratio to each per metric.
#   bench/compare.sh                 BullMQ, Sidekiq and RedisQueue (about 2 minutes)
#   bench/compare.sh --with-hangfire Hangfire on Redis too (about 2 minutes more)
# Env: N (tasks per enqueue and drain row, default 20000), LAT_N (latency probes, default 500),
#      DRAIN_CONC (our drains, concurrency or concurrency:prefetch, default 1,1:128,4:128,16,64),
#      PEERS_SRC (the peers' folder, default ../shared/peers beside the repository).
# It builds the bench in Release, copies the peers to bench/.peers (so npm install and the results never write into
# ../shared), installs what they need once (apt as root: redis-server, redis-tools, ruby-sidekiq, nodejs, npm; npm
# install for BullMQ), runs ../shared/peers/run_all.sh with our bench as its 'self' peer, and prints the peers' tables, then ours.
# Results: bench/results/<UTC stamp>/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
peers_src="${PEERS_SRC:-$root/../shared/peers}"
[ -x "$peers_src/run_all.sh" ] || { echo "compare.sh: no peers at $peers_src (set PEERS_SRC)" >&2; exit 2; }
peers="bullmq sidekiq"
[ "${1:-}" = "--with-hangfire" ] && peers="$peers hangfire"

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v redis-benchmark >/dev/null 2>&1 || need_apt+=(redis-tools)
ruby -e 'require "sidekiq"' >/dev/null 2>&1 || need_apt+=(ruby-sidekiq)
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "compare.sh: installing ${need_apt[*]} with apt" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""
  elif command -v sudo >/dev/null 2>&1; then sudo="sudo"
  else echo "compare.sh: ${need_apt[*]} missing; run as root or install them" >&2; exit 2; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

work="$root/bench/.peers"
if [ ! -d "$work/peer_bullmq/node_modules" ]; then
  rm -rf "$work" && mkdir -p "$work" && cp -r "$peers_src"/. "$work"/
  (cd "$work/peer_bullmq" && npm install --no-audit --no-fund --loglevel=error) >&2
fi
if [[ " $peers " == *" hangfire "* ]] && [ ! -d "$work/peer_hangfire/out" ]; then
  (cd "$work/peer_hangfire" && dotnet build -c Release -o out -nologo -v q) >&2
fi

dotnet build "$root/bench/QueueBench" -c Release -nologo -v q >&2
bench="$root/bench/QueueBench/bin/Release/net10.0/QueueBench.dll"
mkdir -p "$root/bench/results"
PEERS="$peers self" SELF_CMD="dotnet $bench --peer-jsonl" PEERS_OUT="$root/bench/results" "$work/run_all.sh"

latest="$(ls -d "$root"/bench/results/*/ | sort | tail -1)"
echo
echo "## RedisQueue against the peers, one run ($(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores)"
echo
dotnet "$bench" --compare "$latest/results.jsonl"
