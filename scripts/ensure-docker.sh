#!/usr/bin/env bash
# Makes a Docker engine answer on this machine, for the lab and the Docker tests. Idempotent:
#  - installs docker.io and mmdebstrap (apt-get) when their binaries are missing;
#  - starts dockerd in the background when no engine answers (log: $PLAYBOOK_DOCKERD_LOG,
#    default /var/log/playbook-dockerd.log), for machines without systemd such as CI containers;
#  - waits until `docker info` answers, at most $PLAYBOOK_DOCKER_WAIT seconds (default 60).
# Needs root for the install and for starting dockerd; with an engine already answering it needs
# neither and changes nothing.
set -euo pipefail

LOG="${PLAYBOOK_DOCKERD_LOG:-/var/log/playbook-dockerd.log}"
WAIT="${PLAYBOOK_DOCKER_WAIT:-60}"

say() { echo "ensure-docker: $*" >&2; }
die() { say "$*"; exit 1; }

engine_answers() { docker info >/dev/null 2>&1; }

missing=()
command -v docker >/dev/null 2>&1 && command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}; run as root or install them: apt-get install ${missing[*]}"
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
  say "installing ${missing[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if engine_answers; then
  exit 0
fi

# DOCKER_HOST pointing elsewhere means someone else's engine: we cannot start that one.
case "${DOCKER_HOST:-unix:///var/run/docker.sock}" in
  unix:///var/run/docker.sock | unix:///run/docker.sock) ;;
  *) die "DOCKER_HOST=$DOCKER_HOST does not answer (docker info failed); start that engine or unset DOCKER_HOST" ;;
esac

[ "$(id -u)" = 0 ] || die "no Docker engine answers and starting dockerd needs root (sudo $0)"
if pgrep -x dockerd >/dev/null 2>&1; then
  say "dockerd is running but not answering yet; waiting"
elif command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  say "starting docker with systemctl"
  systemctl start docker || die "systemctl start docker failed (journalctl -u docker)"
else
  mkdir -p "$(dirname "$LOG")"
  say "starting dockerd in the background (log: $LOG)"
  # setsid: the engine outlives this script and the CI step that ran it.
  setsid dockerd >>"$LOG" 2>&1 < /dev/null &
  started_here=1
fi

for ((i = 0; i < WAIT * 2; i++)); do
  if engine_answers; then
    say "engine ready: $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)"
    exit 0
  fi
  sleep 0.5
done
say "the Docker engine did not answer 'docker info' within ${WAIT}s"
if [ "${started_here:-}" = 1 ] && [ -f "$LOG" ]; then
  say "last lines of $LOG:"
  tail -n 20 "$LOG" >&2
fi
exit 1
