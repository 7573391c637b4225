"""Helpers shared by the MCP bridge tests: our edge-case server, the npm reference servers
installed by scripts/setup.d/20-mcp-servers.sh, process checks."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

from agentplug.core.params import MCPServerConfig

SERVERS = Path(__file__).parent / "servers"
EDGE = str(SERVERS / "edge_server.py")
NPM_BIN = Path(os.environ.get("AGENTPLUG_CACHE", Path.home() / ".cache" / "agentplug-ci")
               ) / "npm" / "node_modules" / ".bin"


def edge(name: str = "edge", *flags: str, **config) -> MCPServerConfig:
    """Our edge-case server over stdio."""
    return MCPServerConfig(name=name, command=sys.executable, args=[EDGE, *flags], **config)


def npm_server(name: str, binary: str, *args: str, **config) -> MCPServerConfig:
    return MCPServerConfig(name=name, command=str(NPM_BIN / binary), args=list(args), **config)


def require_npm_server(binary: str) -> None:
    """Skip (with the reason) when node or the reference server is genuinely absent."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the npm MCP reference servers cannot run")
    if not (NPM_BIN / binary).exists():
        pytest.skip(f"{binary} is not installed in {NPM_BIN}: run "
                    "scripts/setup.d/20-mcp-servers.sh")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
