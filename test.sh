#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine with the .NET SDK: installs what the tests need
# (redis-server, pocketsphinx with its en-us model, test recordings and sox for the transcription
# tests, and chromium for the dashboard's browser tests, when missing, with apt as root), builds,
# runs every test project, prints the chaos scenario's report, and ends with the line
# "tests: N passed, N failed, N skipped". What the suite leaves to look at is in test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v redis-benchmark >/dev/null 2>&1 || need_apt+=(redis-tools)
command -v pocketsphinx_continuous >/dev/null 2>&1 || need_apt+=(pocketsphinx)
[ -d /usr/share/pocketsphinx/model/en-us/en-us ] || need_apt+=(pocketsphinx-en-us)
[ -d /usr/share/pocketsphinx/test/data/librivox ] || need_apt+=(pocketsphinx-testdata)
command -v sox >/dev/null 2>&1 || need_apt+=(sox)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test.sh: installing ${need_apt[*]} with apt"
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "test.sh: ${need_apt[*]} missing and not root: run 'apt-get install ${need_apt[*]}' as root" >&2; exit 1; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
# What the suite leaves for a person to look at: the chaos scenario's counts and the dashboard's screenshots.
artifacts="$PWD/test-artifacts"
rm -rf "$artifacts" && mkdir -p "$artifacts"
export CHAOS_REPORT="$artifacts/chaos-report.md" DASHBOARD_ARTIFACTS="$artifacts/dashboard"
dotnet build RedisQueue.sln -c Release -nologo -v q
set +e
dotnet test RedisQueue.sln -c Release --no-build -nologo --logger "trx" --logger "console;verbosity=minimal" \
  --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1200000
status=$?
set -e

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); passed=$((passed + ${p:-0}))
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); failed=$((failed + ${f:-0}))
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters"); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ -f "$CHAOS_REPORT" ]; then echo; cat "$CHAOS_REPORT"; fi
shots=$(find "$DASHBOARD_ARTIFACTS" -name '*.png' 2>/dev/null | wc -l)
echo "artifacts: $artifacts ($shots dashboard screenshots, chaos report)"
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
if [ "$passed" -eq 0 ]; then echo "test.sh: no test ran" >&2; exit 1; fi
