"""MCP servers nobody here wrote: the npm reference servers ``server-everything`` and
``server-filesystem`` (confined to a temp dir) and the PyPI ``mcp-server-time``, installed by
scripts/setup.d/20-mcp-servers.sh."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from agentplug.adapters.mcp import MCPToolset
from agentplug.core.messages import ImagePart
from agentplug.core.params import MCPServerConfig

from mcp_support import npm_server, require_npm_server

EVERYTHING = "mcp-server-everything"
FILESYSTEM = "mcp-server-filesystem"


async def test_server_everything(monkeypatch):
    require_npm_server(EVERYTHING)
    monkeypatch.setenv("AGENTPLUG_TEST_SECRET", "not for servers")
    server = npm_server("everything", EVERYTHING, "stdio", env={"GIVEN": "yes"})
    async with MCPToolset([server]) as ts:
        defs = {d.name: d for d in ts.tool_defs()}
        assert {"mcp__everything__echo", "mcp__everything__get-sum",
                "mcp__everything__get-tiny-image",
                "mcp__everything__trigger-long-running-operation"} <= set(defs)
        enum = defs["mcp__everything__get-structured-content"].parameters
        assert enum["properties"]["location"]["enum"] == ["New York", "Chicago", "Los Angeles"]

        out = await ts.call("mcp__everything__echo", {"message": "hi"})
        assert out.as_text == "Echo: hi" and not out.is_error
        out = await ts.call("mcp__everything__get-sum", {"a": 2, "b": 40})
        assert "42" in out.as_text
        out = await ts.call("mcp__everything__get-tiny-image", {})
        assert any(isinstance(p, ImagePart) and p.mime_type == "image/png" for p in out.parts)
        # structured content, validated by the SDK against the tool's output schema
        out = await ts.call("mcp__everything__get-structured-content", {"location": "Chicago"})
        assert isinstance(out.structured, dict) and "temperature" in out.structured
        # progress notifications along the way; the result arrives
        out = await ts.call("mcp__everything__trigger-long-running-operation",
                            {"duration": 0.2, "steps": 2})
        assert "completed" in out.as_text
        # an embedded resource
        out = await ts.call("mcp__everything__get-resource-reference",
                            {"resourceType": "Text", "resourceId": 2})
        assert "[resource demo://resource/dynamic/text/2 (text/plain)]" in out.as_text
        # arguments the server rejects: an error result for the model, the server stays up
        out = await ts.call("mcp__everything__get-sum", {"a": "two"})
        assert out.is_error
        # only the SDK's safe environment plus the config's `env` reach a stdio server
        env = (await ts.call("mcp__everything__get-env", {})).as_text
        assert '"GIVEN": "yes"' in env and "AGENTPLUG_TEST_SECRET" not in env
        assert ts.connections["everything"].status == "ready"


async def test_server_filesystem_is_confined_to_its_directory(tmp_path):
    require_npm_server(FILESYSTEM)
    root = tmp_path / "root"
    root.mkdir()
    (root / "notes.txt").write_text("inside")
    (tmp_path / "secret.txt").write_text("outside")
    server = npm_server("files", FILESYSTEM, ".", cwd=str(root),
                        allowed_tools=["read_*", "write_file", "list_directory"])
    async with MCPToolset([server]) as ts:
        assert sorted(d.name for d in ts.tool_defs()) == [
            "mcp__files__list_directory", "mcp__files__read_file",
            "mcp__files__read_media_file", "mcp__files__read_multiple_files",
            "mcp__files__read_text_file", "mcp__files__write_file"]
        assert (await ts.call("mcp__files__read_text_file",
                              {"path": "notes.txt"})).as_text == "inside"
        out = await ts.call("mcp__files__write_file", {"path": "new.txt", "content": "made"})
        assert not out.is_error and (root / "new.txt").read_text() == "made"
        out = await ts.call("mcp__files__read_text_file",
                            {"path": str(tmp_path / "secret.txt")})
        assert out.is_error and "outside" not in out.as_text.replace("outside allowed", "")
        out = await ts.call("mcp__files__read_text_file", {"path": "../secret.txt"})
        assert out.is_error


@pytest.mark.skipif(importlib.util.find_spec("mcp_server_time") is None,
                    reason="mcp-server-time is not installed: run "
                           "scripts/setup.d/20-mcp-servers.sh")
async def test_mcp_server_time_from_pypi():
    server = MCPServerConfig(name="time", command=sys.executable,
                             args=["-m", "mcp_server_time", "--local-timezone", "UTC"])
    async with MCPToolset([server]) as ts:
        assert {"mcp__time__get_current_time", "mcp__time__convert_time"} <= {
            d.name for d in ts.tool_defs()}
        out = await ts.call("mcp__time__convert_time", {
            "source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"})
        assert not out.is_error and "21:00" in out.as_text
        out = await ts.call("mcp__time__get_current_time", {"timezone": "Not/AZone"})
        assert out.is_error
