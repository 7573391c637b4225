#!/usr/bin/env bash
# The Jupyter kernel gateway that AG2's `jupyter` executor talks to (tests/ag2), in ./.venv.
# Idempotent: a no-op when the packages import and the `jupyter-kernelgateway` script exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=.venv/bin/python
if [[ -x .venv/bin/jupyter-kernelgateway ]] \
   && $py -c "import kernel_gateway, ipykernel, jupyter_client, websocket, requests" 2>/dev/null; then
  exit 0
fi
echo "setup: installing jupyter-kernel-gateway, ipykernel into .venv" >&2
$py -m pip install -q jupyter-kernel-gateway ipykernel jupyter-client websocket-client requests
# AG2's LocalJupyterServer looks for the kernel spec by name: register it for this venv.
$py -m ipykernel install --sys-prefix --name python3 >/dev/null
