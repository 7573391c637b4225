"""agentplug tools for an ``ag2.Agent`` (ag2 1.x): any open toolset, as ag2 function tools.

Python functions (``FunctionToolset``), MCP servers (``MCPToolset``) and an outer agent's
tools (``RunnerToolset``) all become ``ag2.tool(...)`` objects with the toolset's own names
and JSON schemas; ag2's loop calls them and agentplug runs them. A tool that fails answers
the model with an error result (ag2's ``ToolErrorEvent``), as agentplug's own loop does.
"""

from __future__ import annotations

from typing import Any

from ....core.requirements import require
from ....core.tools import Toolset


class ToolCallError(Exception):
    """A tool answered with an error; ag2 shows it to its model as a failed tool call."""


def ag2_tools(toolset: Toolset) -> list[Any]:
    """One ag2 tool per tool of an open toolset."""
    ag2 = require("ag2", "ag2")
    return [ag2.tool(_runner(toolset, td.name), name=td.name,
                     description=td.description or td.name,
                     schema=td.parameters or {"type": "object", "properties": {}})
            for td in toolset.tool_defs()]


def _runner(toolset: Toolset, name: str) -> Any:
    from ag2.utils import CONTEXT_OPTION_NAME

    async def run_agentplug_tool(**arguments: Any) -> str:
        arguments.pop(CONTEXT_OPTION_NAME, None)  # ag2's context, not a model argument
        output = await toolset.call(name, arguments)
        if output.is_error:
            raise ToolCallError(output.as_text)
        return output.as_text

    run_agentplug_tool.__name__ = name
    return run_agentplug_tool
