"""Server configs as plain dicts, for code that hands MCP servers to another runtime.

The Claude Code backend (whose CLI runs MCP servers itself) and ``.mcp.json`` files use this
shape: ``{name: {"type": "stdio", "command", "args", "env"}}`` or
``{name: {"type": "http" | "sse", "url", "headers"}}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...core.params import MCPServerConfig
from .transport import server_cwd


def server_dicts(servers: Sequence[MCPServerConfig], *, cwd: str | None = None
                 ) -> dict[str, dict[str, Any]]:
    """``{name: config}`` for each server; ``streamable-http`` is spelled ``http``.

    ``cwd`` is only kept for stdio servers that have one (the server's own, resolved against
    the backend's ``cwd``): runtimes that cannot set it should start the server from there.
    """
    out: dict[str, dict[str, Any]] = {}
    for s in servers:
        if s.type == "stdio":
            entry: dict[str, Any] = {"type": "stdio", "command": s.command, "args": list(s.args)}
            if s.env:
                entry["env"] = dict(s.env)
            where = server_cwd(s, cwd)
            if where:
                entry["cwd"] = where
        else:
            entry = {"type": "sse" if s.type == "sse" else "http", "url": s.url}
            if s.headers:
                entry["headers"] = dict(s.headers)
        out[s.name] = entry
    return out

