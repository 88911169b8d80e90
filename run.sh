#!/usr/bin/env bash
# Runs the service on a fresh Debian machine with the .NET SDK: the HTTP API in its embedded mode
# (in-memory store, snapshots in backups/, one embedded worker) unless REDIS_URL is set. The
# transcription handler needs pocketsphinx, its en-us model and sox: as root (or with sudo) they are
# installed with apt when missing; otherwise the service starts anyway and says, at start-up, in
# /health and in every transcription task that fails, exactly what to install.
# Arguments go to the API, e.g. ./run.sh --urls http://0.0.0.0:8002
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v pocketsphinx_continuous >/dev/null 2>&1 || need_apt+=(pocketsphinx)
[ -d /usr/share/pocketsphinx/model/en-us/en-us ] || need_apt+=(pocketsphinx-en-us)
command -v sox >/dev/null 2>&1 || need_apt+=(sox)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else sudo="-"; fi
  if [ "$sudo" = "-" ]; then
    echo "run.sh: transcription needs ${need_apt[*]}: run 'apt-get install ${need_apt[*]}' as root; starting without them" >&2
  else
    echo "run.sh: installing ${need_apt[*]} with apt (for the transcription handler)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  fi
fi

# dotnet run starts the API in QueueHttpApi/: keep the snapshots in the repository's backups/, as documented.
export BACKUP_DIR="${BACKUP_DIR:-$PWD/backups}"
exec dotnet run --project QueueHttpApi -c Release -- "$@"
