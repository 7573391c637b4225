#!/usr/bin/env bash
# The MCP reference servers the MCP bridge's tests run against (tests/mcp, tests/ag2):
#   npm  @modelcontextprotocol/server-everything and server-filesystem, pinned, installed in
#        $AGENTPLUG_CACHE/npm (outside the repo: node_modules never lands in the work tree);
#   PyPI mcp-server-time into ./.venv, only if it installs beside the mcp 2.x SDK.
# Idempotent: a no-op when the pinned versions are already there. Without node/npm the npm
# servers are skipped (the tests that need them say so).
set -euo pipefail
cd "$(dirname "$0")/../.."
py=.venv/bin/python
cache="${AGENTPLUG_CACHE:-$HOME/.cache/agentplug-ci}/npm"
EVERYTHING="@modelcontextprotocol/server-everything@2026.8.31"
FILESYSTEM="@modelcontextprotocol/server-filesystem@2026.8.31"
TIME="mcp-server-time==2026.10.19"

installed() {  # installed "@scope/name@version": is that exact version in the cache?
  local name="${1%@*}" version="${1##*@}"
  local manifest="$cache/node_modules/$name/package.json"
  [[ -f "$manifest" ]] && grep -q "\"version\": \"$version\"" "$manifest"
}

if ! command -v npm >/dev/null; then
  echo "setup: npm not found: skipping the npm MCP reference servers" >&2
elif ! installed "$EVERYTHING" || ! installed "$FILESYSTEM"; then
  echo "setup: installing $EVERYTHING $FILESYSTEM into $cache" >&2
  mkdir -p "$cache"
  [[ -f "$cache/package.json" ]] || echo '{"name": "agentplug-mcp-servers", "private": true}' \
    > "$cache/package.json"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error --save-exact \
    "$EVERYTHING" "$FILESYSTEM" >&2
fi

# mcp-server-time 2026.10.19 requires mcp>=2.3,<3, like us; if a later one stops installing
# beside our mcp, the tests that use it skip.
# find_spec, not import: importing it pulls in the whole SDK (~1 s).
if ! $py -c "import importlib.util as u, sys; sys.exit(u.find_spec('mcp_server_time') is None)"
then
  echo "setup: installing $TIME into .venv" >&2
  if ! $py -m pip install -q "$TIME" 2>/dev/null; then
    echo "setup: $TIME does not install beside mcp 2.x: the tests that use it skip" >&2
  fi
fi
