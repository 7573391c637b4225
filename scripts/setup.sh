#!/usr/bin/env bash
# Set up agentplug in ./.venv on a fresh machine: every extra, the embedded local model.
#   bash scripts/setup.sh          the library, its CLI and every backend's SDK
#   bash scripts/setup.sh --dev    also the test peers (scripts/setup.d/*.sh): MCP reference
#                                  servers, a Jupyter kernel gateway, a private Docker engine
# llama-cpp-python has no wheel on PyPI: the first run builds it (~4 min on 2 cores) with
# portable CPU flags (the default native build crashes in the AMX kernel on some CPUs) and
# caches the wheel in $AGENTPLUG_CACHE, so later runs take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
dev=0
[[ "${1:-}" == "--dev" ]] && dev=1
export AGENTPLUG_CACHE="${AGENTPLUG_CACHE:-$HOME/.cache/agentplug-ci}"
wheels="$AGENTPLUG_CACHE/wheels"
mkdir -p "$wheels"
log() { printf 'setup: %s\n' "$*" >&2; }

[[ -x .venv/bin/python ]] || python3 -m venv .venv
py=.venv/bin/python
$py -m pip install -q --upgrade pip

LLAMA_VERSION="0.3.36"
if ! ls "$wheels"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
  log "building llama-cpp-python $LLAMA_VERSION from source (first time only, ~4 min)..."
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF" \
    $py -m pip wheel -q --no-deps --no-cache-dir -w "$wheels" "llama-cpp-python==$LLAMA_VERSION"
fi
extras="all"
[[ $dev == 1 ]] && extras="all,dev"
log "installing agentplug[$extras]..."
$py -m pip install -q --find-links "$wheels" -e ".[$extras]"

if [[ $dev == 1 ]]; then
  for step in scripts/setup.d/*.sh; do
    [[ -e "$step" ]] || continue
    log "running $step"
    bash "$step"
  done
fi
log "done: try .venv/bin/agentplug --help"
