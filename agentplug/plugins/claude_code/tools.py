"""agentplug's own tools (Python functions, toolsets) offered to Claude Code.

They run in this process: an in-process SDK MCP server named ``agentplug`` forwards each call
to the agent's tool runner (``Agent.call_tool``), so the CLI sees them as
``mcp__agentplug__<name>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentplug.core.messages import ImagePart, TextPart
from agentplug.core.tools import ToolDef, ToolOutput, ToolRunner

SERVER_NAME = "agentplug"
PREFIX = f"mcp__{SERVER_NAME}__"


def sdk_server(tools: Sequence[ToolDef], runner: ToolRunner) -> Any:
    """An SDK MCP server config (``{"type": "sdk", ...}``) serving ``tools`` via ``runner``."""
    from claude_agent_sdk import SdkMcpTool, create_sdk_mcp_server

    return create_sdk_mcp_server(SERVER_NAME, tools=[
        SdkMcpTool(name=td.name, description=td.description, input_schema=td.parameters,
                   handler=_handler(td.name, runner))
        for td in tools
    ])


def _handler(name: str, runner: ToolRunner) -> Any:
    async def handle(arguments: dict[str, Any]) -> dict[str, Any]:
        return mcp_content(await runner(name, dict(arguments or {})))
    return handle


def mcp_content(output: ToolOutput) -> dict[str, Any]:
    """A tool output as the MCP ``CallToolResult`` shape the SDK server returns."""
    content: list[dict[str, Any]] = []
    for part in output.parts:
        if isinstance(part, TextPart):
            content.append({"type": "text", "text": part.text})
        elif isinstance(part, ImagePart):
            content.append({"type": "image", "data": part.data, "mimeType": part.mime_type})
    if not content:
        content.append({"type": "text", "text": ""})
    return {"content": content, "is_error": output.is_error}
