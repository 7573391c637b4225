"""MCP tool definitions → agentplug ``ToolDef``s, the input of every format's conversion.

A tool that no provider could accept is skipped with a reason instead of taking its whole
server down (MassGen drops the server): a root schema that is not an object, a schema that is
not valid JSON Schema, a name too long once prefixed, or one that collides with another tool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...core.tools import ToolDef
from .naming import MAX_NAME, exposed_name


@dataclass(frozen=True, slots=True)
class MCPTool:
    """A tool as the model sees it (``definition``) and as its server knows it."""

    definition: ToolDef
    server: str
    name: str  # the server's own (bare) tool name
    output_schema: dict[str, Any] | None = None


def tool_def(server: str, tool: Any) -> MCPTool:
    """One ``mcp.types.Tool`` as an ``MCPTool``; raises ValueError saying why it is unusable."""
    name = str(getattr(tool, "name", "") or "")
    if not name:
        raise ValueError("the tool has no name")
    prefixed = exposed_name(server, name)
    if len(prefixed) > MAX_NAME:
        raise ValueError(f"its name {prefixed!r} is longer than {MAX_NAME} characters, the "
                         "limit providers set (shorten the server's `name`)")
    schema = check_schema(getattr(tool, "input_schema", None))
    description = getattr(tool, "description", None) or getattr(tool, "title", None) or name
    return MCPTool(ToolDef(prefixed, description, schema, source=f"mcp:{server}"), server,
                   name, getattr(tool, "output_schema", None))


def check_schema(schema: Any) -> dict[str, Any]:
    """The input schema, checked: an object at the root and valid JSON Schema."""
    if schema is None:
        return {"type": "object", "properties": {}}
    if not isinstance(schema, dict):
        raise ValueError(f"its input schema is a {type(schema).__name__}, not an object")
    kind = schema.get("type", "object")
    if kind != "object":
        raise ValueError(f"its input schema has type {kind!r}; tools take an object")
    from jsonschema import SchemaError  # type: ignore[import-untyped]
    from jsonschema.validators import validator_for  # type: ignore[import-untyped]

    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        raise ValueError(f"its input schema is not valid JSON Schema: {exc.message}") from None
    return {"type": "object", **schema} if "type" not in schema else dict(schema)


def tool_defs(server: str, tools: list[Any], warnings: list[str]) -> list[MCPTool]:
    """The usable tools of one server; every skipped tool adds a warning naming it."""
    out: list[MCPTool] = []
    seen: dict[str, str] = {}
    for tool in tools:
        try:
            mcp_tool = tool_def(server, tool)
        except ValueError as exc:
            warnings.append(f"MCP server {server!r}: skipped tool "
                            f"{getattr(tool, 'name', '?')!r}: {exc}")
            continue
        prefixed = mcp_tool.definition.name
        if prefixed in seen:
            warnings.append(f"MCP server {server!r}: skipped tool {mcp_tool.name!r}: its name "
                            f"becomes {prefixed!r}, like tool {seen[prefixed]!r}")
            continue
        seen[prefixed] = mcp_tool.name
        out.append(mcp_tool)
    return out
