"""``MCPToolset``: an agent's MCP servers as one agentplug ``Toolset``.

``open()`` starts every server at once; a server that fails is reported (with its stderr tail)
and left out while the agent runs with the others, unless it is ``required: true``, which
makes ``open()`` raise. The tools each server lists are named ``mcp__<server>__<tool>``,
checked (an unusable tool is skipped with a warning) and filtered by the backend's and the
server's ``allowed_tools`` / ``disallowed_tools`` / ``exclude_tools``. Warnings and runtime
notices (a crash, a restart) reach the agent's event stream through ``drain_notices()``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from ...core.events import Notice
from ...core.messages import JSON
from ...core.params import BackendParams, MCPServerConfig
from ...core.requirements import require
from ...core.tools import ToolDef, ToolOutput
from .connection import MAX_FAILURES, MCPServerError, ServerConnection, ToolCallError
from .naming import ToolFilter
from .results import tool_output
from .schemas import MCPTool, tool_defs
from .transport import server_cwd

log = logging.getLogger("agentplug.mcp")


def _import_sdk() -> None:
    """Import the SDK and the schema checker (slow first imports) off the event loop."""
    require("mcp", "mcp")
    require("jsonschema.validators", "mcp")


class MCPToolset:
    """The MCP servers of one agent; implements ``agentplug.core.tools.Toolset``."""

    def __init__(self, servers: Sequence[MCPServerConfig], *,
                 allowed_tools: Sequence[str] | None = None,
                 disallowed_tools: Sequence[str] | None = None,
                 exclude_tools: Sequence[str] | None = None,
                 cwd: str | None = None, max_failures: int = MAX_FAILURES) -> None:
        names = [s.name for s in servers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise MCPServerError(duplicates[0], "two MCP servers have this name")
        self.servers = list(servers)
        self.filter = ToolFilter(allowed_tools, disallowed_tools, exclude_tools)
        self.connections = {s.name: ServerConnection(s, cwd=server_cwd(s, cwd),
                                                     max_failures=max_failures,
                                                     on_notice=self._warn)
                            for s in servers}
        self.tools: dict[str, MCPTool] = {}
        self.warnings: list[str] = []
        self._notices: list[Notice] = []
        self._opened = False

    @classmethod
    def from_params(cls, params: BackendParams) -> MCPToolset:
        """The toolset for a backend config's ``mcp_servers`` and tool filters."""
        return cls(params.mcp_servers, allowed_tools=params.allowed_tools,
                   disallowed_tools=params.disallowed_tools, exclude_tools=params.exclude_tools,
                   cwd=params.cwd)

    # Toolset -----------------------------------------------------------------------------
    async def open(self) -> None:
        if self._opened:
            return
        await asyncio.to_thread(_import_sdk)
        self._opened = True
        conns = list(self.connections.values())
        results = await asyncio.gather(*(c.start() for c in conns), return_exceptions=True)
        failed = [(c, r) for c, r in zip(conns, results, strict=True)
                  if isinstance(r, BaseException)]
        for conn, exc in failed:
            if not isinstance(exc, MCPServerError):
                exc = MCPServerError(conn.name, f"{type(exc).__name__}: {exc}")
                conn.status, conn.error = "failed", exc
            if conn.config.required:
                await self.close()
                raise exc
            self._warn(f"{exc}\n  (continuing without it; set `required: true` on the "
                       "server to make this an error)")
        # Checking every schema is CPU work (jsonschema): keep it off the event loop.
        await asyncio.to_thread(self._index)

    async def close(self) -> None:
        if not self._opened:
            return
        self._opened = False
        await asyncio.gather(*(c.stop() for c in self.connections.values()))

    def tool_defs(self) -> list[ToolDef]:
        return [t.definition for t in self.tools.values()]

    async def call(self, name: str, arguments: JSON) -> ToolOutput:
        tool = self.tools.get(name)
        if tool is None:
            return ToolOutput.text(f"unknown MCP tool {name!r}", is_error=True)
        try:
            result = await self.connections[tool.server].call(tool.name, arguments)
        except ToolCallError as exc:
            return ToolOutput.text(str(exc), is_error=True)
        return tool_output(result)

    def drain_notices(self) -> list[Notice]:
        """Warnings and notices since the last drain (the agent streams them as events)."""
        out, self._notices = self._notices, []
        return out

    async def __aenter__(self) -> MCPToolset:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # internals ---------------------------------------------------------------------------
    def _warn(self, message: str) -> None:
        log.info("%s", message)
        self.warnings.append(message)
        self._notices.append(Notice(message, level="warning"))

    def _index(self) -> None:
        """Name, check and filter the tools of every server that started."""
        self.tools.clear()
        up = [c for c in self.connections.values() if c.status == "ready"]
        everything: list[str] = []
        for conn in up:
            problems: list[str] = []
            checked = tool_defs(conn.name, conn.tools, problems)
            for message in problems:
                self._warn(message)
            cfg = conn.config
            own = ToolFilter(cfg.allowed_tools, cfg.disallowed_tools, cfg.exclude_tools,
                             where=f"MCP server {conn.name!r}")
            for t in checked:
                everything.append(t.definition.name)
                # Both levels see every tool, so each can tell which of its patterns matched.
                keep_own = own.keeps(t.definition.name, t.name)
                keep_backend = self.filter.keeps(t.definition.name, t.name)
                if keep_own and keep_backend:
                    self.tools[t.definition.name] = t
            for message in own.unmatched_warnings(t.definition.name for t in checked):
                self._warn(message)
        down = [c.name for c in self.connections.values() if c.status != "ready"]
        for message in self.filter.unmatched_warnings(everything, skip_servers=down):
            self._warn(message)

    # status ------------------------------------------------------------------------------
    def status(self) -> list[dict[str, Any]]:
        """Each server's state and the tools the model sees from it, as plain dicts."""
        out = []
        for name, conn in self.connections.items():
            out.append({
                "name": name, "type": conn.config.type, "status": conn.status,
                "error": str(conn.error) if conn.error else None,
                "tools": [t.definition.name for t in self.tools.values() if t.server == name],
                "filtered_out": self._filtered_out(conn),
                "restarts": conn.restarts, "failures": conn.failures,
            })
        return out

    def _filtered_out(self, conn: ServerConnection) -> list[str]:
        kept = {t.name for t in self.tools.values() if t.server == conn.name}
        return [t.name for t in conn.tools if t.name not in kept]
