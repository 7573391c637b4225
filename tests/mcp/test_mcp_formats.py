"""Every format's conversion on the same schemas: the tools real MCP servers list (our edge
server, and server-everything and server-filesystem when installed), each result validated
against the provider SDK's own request types."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pydantic import TypeAdapter

from agentplug.adapters.mcp import MCPToolset
from agentplug.adapters.mcp.schemas import tool_def
from agentplug.formats import anthropic, chat_completions, gemini, responses
from agentplug.core.tools import ToolDef

from mcp_support import NPM_BIN, edge, npm_server


async def _listed() -> list[ToolDef]:
    servers = [edge()]
    for name, binary, args in (("everything", "mcp-server-everything", ["stdio"]),
                               ("files", "mcp-server-filesystem", ["."])):
        if (NPM_BIN / binary).exists():
            servers.append(npm_server(name, binary, *args))
    async with MCPToolset(servers) as ts:
        return ts.tool_defs()


@pytest.fixture(scope="module")
def defs() -> list[ToolDef]:
    """The servers' tools, listed once for the whole module."""
    return asyncio.run(_listed())


def test_the_schemas_come_from_every_available_server(defs):
    servers = {d.source for d in defs}
    assert "mcp:edge" in servers
    if (NPM_BIN / "mcp-server-everything").exists():
        assert {"mcp:everything", "mcp:files"} <= servers
    assert len(defs) >= 10


def test_openai_chat_completions(defs):
    from openai.types.chat import ChatCompletionFunctionToolParam

    tools = chat_completions.tools(defs)
    adapter = TypeAdapter(ChatCompletionFunctionToolParam)
    for td, tool in zip(defs, tools, strict=True):
        adapter.validate_python(tool)
        assert tool["function"]["name"] == td.name
        assert tool["function"]["parameters"] == td.parameters  # passed as the server gave it


def test_openai_responses(defs):
    from openai.types.responses import FunctionToolParam

    tools = responses.tools(defs)
    adapter = TypeAdapter(FunctionToolParam)
    for td, tool in zip(defs, tools, strict=True):
        adapter.validate_python(tool)
        assert (tool["name"], tool["parameters"], tool["strict"]) == (td.name, td.parameters,
                                                                      False)


def test_anthropic(defs):
    from anthropic.types import ToolParam

    tools = anthropic.tools(defs)
    adapter = TypeAdapter(ToolParam)
    for td, tool in zip(defs, tools, strict=True):
        adapter.validate_python(tool)
        assert tool["name"] == td.name and tool["input_schema"]["type"] == "object"
        assert tool["input_schema"].get("properties") == td.parameters.get("properties")


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


def test_gemini_declarations_are_sanitised(defs):
    from google.genai import types

    decls = gemini.function_declarations(defs)
    for td, decl in zip(defs, decls, strict=True):
        types.FunctionDeclaration.model_validate(decl)
        assert decl["name"] == td.name
        params = decl.get("parameters")
        props = td.parameters.get("properties") or {}
        if not props:
            continue
        assert params["type"] == "OBJECT" and set(params["properties"]) == set(props)
        assert params.get("required", []) == td.parameters.get("required", [])
        # nothing Gemini rejects is left anywhere in the tree
        assert not _keys(params) & {"$schema", "default", "additionalProperties", "$ref",
                                    "$defs", "const", "title", "exclusiveMinimum"}
        assert all(t in {"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT"}
                   for t in _type_values(params))


def _type_values(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["type"]] if isinstance(node.get("type"), str) else []
        return own + [t for k, v in node.items() if k != "enum" for t in _type_values(v)]
    if isinstance(node, list):
        return [t for v in node for t in _type_values(v)]
    return []


def test_defaults_and_formats_survive_as_descriptions_for_gemini(defs):
    gzip = next((d for d in defs if d.name == "mcp__everything__gzip-file-as-resource"), None)
    if gzip is None:
        pytest.skip("server-everything is not installed (scripts/setup.d/20-mcp-servers.sh)")
    (decl,) = gemini.function_declarations([gzip])
    data = decl["parameters"]["properties"]["data"]
    assert "(format: uri)" in data["description"] and "(default: " in data["description"]
    output = decl["parameters"]["properties"]["outputType"]
    assert output["enum"] == ["resourceLink", "resource"]


def test_every_conversion_keeps_every_tool(defs):
    conversions = {"chat_completions": chat_completions.tools, "responses": responses.tools,
                   "anthropic": anthropic.tools, "gemini": gemini.function_declarations}
    for name, convert in conversions.items():
        out = convert(defs)
        text = json.dumps(out)
        assert len(out) == len(defs), name
        assert all(f'"{td.name}"' in text for td in defs), name


def test_tool_defs_straight_from_mcp_tools():
    import mcp.types as types

    tools = [types.Tool(name="search", description="Search.", input_schema={
        "type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]})]
    (td,) = (tool_def("web", t).definition for t in tools)
    assert (td.name, td.description, td.source) == ("mcp__web__search", "Search.", "mcp:web")
    with pytest.raises(ValueError, match="not valid JSON Schema"):
        tool_def("web", types.Tool(name="x", input_schema={
            "type": "object", "properties": {"a": {"type": 1}}}))
