"""Tool names, filters and the per-tool checks (no server needed)."""

from __future__ import annotations

import mcp.types as types

from agentplug.adapters.mcp import exposed_name, split_name
from agentplug.adapters.mcp.naming import ToolFilter
from agentplug.adapters.mcp.schemas import tool_defs


def test_names_are_prefixed_and_made_provider_safe():
    assert exposed_name("files", "read_file") == "mcp__files__read_file"
    assert exposed_name("my.server", "get-sum") == "mcp__my_server__get-sum"
    assert exposed_name("s", "dotted.name here") == "mcp__s__dotted_name_here"
    assert split_name("mcp__files__read_file") == ("files", "read_file")
    assert split_name("mcp__files__read__twice") == ("files", "read__twice")
    assert split_name("read_file") is None
    assert split_name("mcp__files") is None


def test_filters_match_prefixed_and_bare_names_with_wildcards():
    f = ToolFilter(allowed=["read_*", "mcp__files__list_directory"])
    assert f.keeps("mcp__files__read_file", "read_file")
    assert f.keeps("mcp__files__list_directory", "list_directory")
    assert not f.keeps("mcp__files__write_file", "write_file")
    f = ToolFilter(disallowed=["mcp__*__write_*"], exclude=["move_file"])
    assert not f.keeps("mcp__files__write_file", "write_file")
    assert not f.keeps("mcp__files__move_file", "move_file")
    assert f.keeps("mcp__files__read_file", "read_file")
    # allowed and disallowed together: disallowed wins
    f = ToolFilter(allowed=["*"], disallowed=["read_file"])
    assert not f.keeps("mcp__files__read_file", "read_file")
    assert f.keeps("mcp__files__read_media", "read_media")


def test_a_pattern_that_matches_nothing_warns_with_the_available_names():
    f = ToolFilter(allowed=["read_*", "reed_file"], exclude=["mcp__down__*"], where="backend")
    for name in ("read_file", "write_file"):
        f.keeps(f"mcp__files__{name}", name)
    warnings = f.unmatched_warnings(["mcp__files__read_file", "mcp__files__write_file"],
                                    skip_servers=["down"])
    assert warnings == ["backend allowed_tools: 'reed_file' matches no MCP tool; available: "
                        "mcp__files__read_file, mcp__files__write_file"]


def test_unusable_tools_are_skipped_one_by_one_with_a_reason():
    tools = [
        types.Tool(name="ok", input_schema={"type": "object",
                                            "properties": {"a": {"type": "string"}}}),
        types.Tool(name="no_props", input_schema={"type": "object"}),
        types.Tool(name="bad", input_schema={"type": "object", "properties": {"x": {"type": 12}}}),
        types.Tool(name="x" * 60, input_schema={"type": "object"}),
        types.Tool(name="a.b", input_schema={"type": "object"}),
        types.Tool(name="a_b", input_schema={"type": "object"}),
    ]
    warnings: list[str] = []
    kept = tool_defs("srv", tools, warnings)
    assert [t.definition.name for t in kept] == ["mcp__srv__ok", "mcp__srv__no_props",
                                                 "mcp__srv__a_b"]
    assert [t.name for t in kept] == ["ok", "no_props", "a.b"]  # the server's own name is kept
    assert kept[0].definition.source == "mcp:srv"
    assert len(warnings) == 3
    assert "'bad'" in warnings[0] and "not valid JSON Schema" in warnings[0]
    assert "longer than 64 characters" in warnings[1]
    assert "'a_b'" in warnings[2] and "like tool 'a.b'" in warnings[2]
