"""The MCP bridge: MCP servers' tools for every backend, built on the official ``mcp`` 2.x SDK.

- ``MCPToolset``: an agent's ``mcp_servers`` as one toolset (``MCPToolset.from_params``):
  servers started once and concurrently, tools named ``mcp__<server>__<tool>`` and filtered,
  calls with timeouts, crashed servers restarted, everything stopped on close.
- ``server_dicts``: the server configs as plain dicts (``{name: {"type": "stdio", ...}}``),
  for runtimes that start MCP servers themselves (Claude Code).
- ``agentplug.adapters.mcp.ag2``: MCP tools as classic AG2 tools. (The provider tool formats
  are ``agentplug.formats``, shared with Python function tools.)

Importing this package does not import ``mcp``; opening a toolset does.
"""

from .connection import MCPServerError, ToolCallError
from .naming import exposed_name, split_name
from .servers import server_dicts
from .toolset import MCPToolset

__all__ = ["MCPServerError", "MCPToolset", "ToolCallError", "exposed_name", "server_dicts",
           "split_name"]
