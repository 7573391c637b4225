"""MCP tools (or any toolset's) for classic AG2 agents (``autogen`` 0.14): ``autogen.tools.Tool``.

``autogen.mcp.create_toolkit`` breaks with mcp 2.x (it reads the 1.x ``inputSchema``
attribute), so each tool of an open ``MCPToolset`` becomes an ``autogen.tools.Tool`` with the
server's JSON schema; ``register_for_llm`` puts it in the caller's ``llm_config["tools"]``,
``register_for_execution`` in the executor's function map, and AG2 then runs it for real.

The MCP sessions live on the event loop that opened the toolset. AG2 calls async functions on
that loop (``a_*`` chats) or on a loop of its own in another thread (sync chats): a call from
another loop is handed to the toolset's loop and waited for, so both work, as long as the
toolset's loop is not itself blocked waiting for the AG2 chat.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ...core.requirements import require
from ...core.tools import Toolset


class MCPToolError(Exception):
    """An MCP tool answered with an error; AG2 shows it to its model as ``Error: ...``."""


def ag2_tools(toolset: Toolset, *, loop: asyncio.AbstractEventLoop | None = None
              ) -> list[Any]:
    """One ``autogen.tools.Tool`` per tool of an open toolset, under the toolset's names
    (``mcp__<server>__<tool>`` for MCP servers).

    ``loop``: the loop the toolset was opened on (default: the running loop).
    """
    tools_mod = require("autogen.tools", "ag2")
    home = loop or asyncio.get_running_loop()
    return [tools_mod.Tool(name=td.name, description=td.description,
                           func_or_tool=_runner(toolset, td.name, home),
                           parameters_json_schema=td.parameters)
            for td in toolset.tool_defs()]


async def register_toolset(toolset: Toolset, *, caller: Any, executor: Any) -> list[Any]:
    """Offer the tools to ``caller``'s model and let ``executor`` run them (AG2's usual split
    between an assistant and a user proxy; the same agent may be both).

    AG2 rebuilds the caller's model client for every tool it registers (SSL contexts and all),
    so the registration runs in a worker thread rather than on the event loop.
    """
    tools = ag2_tools(toolset)

    def register() -> None:
        for t in tools:
            t.register_for_llm(caller)
            t.register_for_execution(executor)

    await asyncio.to_thread(register)
    return tools


def _runner(toolset: Toolset, name: str, home: asyncio.AbstractEventLoop) -> Any:
    async def run_mcp_tool(**arguments: Any) -> str:
        call = toolset.call(name, arguments)
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is home:
            output = await call
        else:
            output = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, home))
        if output.is_error:
            raise MCPToolError(output.as_text)
        return output.as_text

    run_mcp_tool.__name__ = name
    return run_mcp_tool
