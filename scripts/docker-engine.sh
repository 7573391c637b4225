#!/usr/bin/env bash
# A private Docker engine for AG2's docker executor, where no registry can be reached.
#   bash scripts/docker-engine.sh start    start dockerd (and build the local image once)
#   bash scripts/docker-engine.sh env      print the DOCKER_HOST line to eval
#   bash scripts/docker-engine.sh status   exit 0 when the engine answers
#   bash scripts/docker-engine.sh stop     stop it (SIGTERM, then SIGKILL after 20 s)
# The engine runs in its own empty network namespace with every networking feature off, so it
# changes nothing on the host and a mistaken pull fails at once. The image local/python:bookworm
# is built from Debian packages (debootstrap) and kept in $AGENTPLUG_CACHE between runs.
# Needs root and Debian's docker.io + debootstrap (scripts/setup.d/40-docker.sh installs them).
set -euo pipefail

cache="${AGENTPLUG_CACHE:-$HOME/.cache/agentplug-ci}/docker"
run=/tmp/agentplug-docker   # short: a unix socket path must fit in 108 bytes
sock="$run/docker.sock"
pidfile="$run/dockerd.pid"
image=local/python:bookworm
log() { printf 'docker-engine: %s\n' "$*" >&2; }

engine_pid() { [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && cat "$pidfile"; }
answers() { docker -H "unix://$sock" version >/dev/null 2>&1; }

status() { engine_pid >/dev/null && answers; }

env_line() { printf 'export DOCKER_HOST=unix://%s\n' "$sock"; }

drop_stale_pidfiles() {
  # After a kill -9 the new daemon would wait on containerd's dead pidfile.
  rm -f "$pidfile" "$run"/exec/containerd/containerd.pid "$run"/exec/*.pid 2>/dev/null || true
}

debian_mirror() {
  local src=/etc/apt/sources.list.d/debian.sources
  if [[ -f $src ]]; then
    awk '/^URIs:/ {print $2; exit}' "$src"
  else
    echo http://deb.debian.org/debian
  fi
}

build_image() {
  command -v debootstrap >/dev/null || { log "debootstrap is missing: apt-get install debootstrap"; exit 1; }
  local tmp
  tmp=$(mktemp -d)
  log "building $image from Debian packages (first time only, ~1 min)"
  debootstrap --variant=minbase --include=python3-minimal,python-is-python3 bookworm \
    "$tmp/rootfs" "$(debian_mirror)" >"$tmp/debootstrap.log" 2>&1 \
    || { tail -20 "$tmp/debootstrap.log" >&2; rm -rf "$tmp"; exit 1; }
  tar -C "$tmp/rootfs" -c . | docker -H "unix://$sock" import - "$image-base" >/dev/null
  rm -rf "$tmp"
  # AG2 keeps a shell as PID 1, which ignores SIGTERM: without this every stop waits 10 s.
  printf 'FROM %s\nSTOPSIGNAL SIGKILL\n' "$image-base" \
    | DOCKER_BUILDKIT=0 docker -H "unix://$sock" build -q -t "$image" - >/dev/null 2>"$run/build.log" \
    || { cat "$run/build.log" >&2; exit 1; }
  # AG2's default image name, so an executor without image= finds it instead of pulling.
  docker -H "unix://$sock" tag "$image" python:3-slim
}

start() {
  if status; then env_line; return 0; fi
  command -v dockerd >/dev/null || { log "dockerd is missing: apt-get install docker.io"; exit 1; }
  [[ $(id -u) == 0 ]] || { log "dockerd needs root"; exit 1; }
  mkdir -p "$run" "$cache"
  drop_stale_pidfiles
  setsid unshare --net dockerd --host "unix://$sock" --data-root "$cache/data" \
    --exec-root "$run/exec" --pidfile "$pidfile" --iptables=false --ip6tables=false \
    --ip-forward=false --ip-masq=false --bridge=none --storage-driver=vfs \
    >"$run/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    answers && break
    sleep 0.25
  done
  if ! answers; then
    log "dockerd did not answer within 30 s; its last log lines:"
    tail -20 "$run/dockerd.log" >&2
    stop >/dev/null 2>&1 || true
    exit 1
  fi
  docker -H "unix://$sock" image inspect "$image" >/dev/null 2>&1 || build_image
  env_line
}

stop() {
  local pid
  pid=$(engine_pid) || { drop_stale_pidfiles; return 0; }
  kill "$pid"
  for _ in $(seq 1 80); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  drop_stale_pidfiles
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) env_line ;;
  status) status ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
