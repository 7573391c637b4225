#!/usr/bin/env bash
# What the docker executor tests (tests/ag2) need, without leaving anything running:
# Debian's Docker engine and debootstrap, and the local Python image that
# scripts/docker-engine.sh builds on its first start (no registry is reachable here).
# Idempotent: fast when the packages are there and the image is built.
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf 'setup: %s\n' "$*" >&2; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if ((${#missing[@]})); then
  if [[ $(id -u) != 0 ]]; then
    log "skipping the Docker engine: installing ${missing[*]} needs root (the docker tests will skip)"
    exit 0
  fi
  log "installing ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi

engine=scripts/docker-engine.sh
if [[ ! -f $engine ]]; then
  log "no $engine: the docker executor tests will skip"
  exit 0
fi
if bash "$engine" status >/dev/null 2>&1; then
  exit 0  # already running, so the image is there; leave it as it was
fi
# The first start builds the image (~1 min); later starts take seconds. Stop it again: the
# tests start the engine themselves and stop what they started.
bash "$engine" start
bash "$engine" stop
