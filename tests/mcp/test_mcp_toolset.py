"""MCPToolset against our own MCP server (mcp 2.x MCPServer), over stdio and streamable HTTP:
results, errors, timeouts, failures at start, crashes and restarts, filters, cwd and env."""

from __future__ import annotations

import asyncio

import pytest

from agentplug.adapters.mcp import MCPServerError, MCPToolset
from agentplug.core.messages import ImagePart, TextPart
from agentplug.core.params import BackendParams, MCPServerConfig

from mcp_support import alive, edge


async def test_results_of_every_kind_over_stdio():
    async with MCPToolset([edge()]) as ts:
        names = {d.name for d in ts.tool_defs()}
        assert {"mcp__edge__echo", "mcp__edge__add", "mcp__edge__picture"} <= names
        echo = next(d for d in ts.tool_defs() if d.name == "mcp__edge__echo")
        assert echo.parameters["properties"]["text"]["type"] == "string"
        assert echo.description == "Echo the text back." and echo.source == "mcp:edge"

        out = await ts.call("mcp__edge__echo", {"text": "hi"})
        assert out.as_text == "hi" and not out.is_error
        out = await ts.call("mcp__edge__add", {"a": 2, "b": 3})
        assert out.structured == {"sum": 5} and '"sum": 5' in out.as_text
        out = await ts.call("mcp__edge__picture", {})
        assert out.parts[0] == TextPart("a tiny picture")
        assert isinstance(out.parts[1], ImagePart) and out.parts[1].mime_type == "image/png"
        out = await ts.call("mcp__edge__document", {})
        assert out.as_text == "[resource file:///notes.txt (text/plain)]\nremember the milk"
        out = await ts.call("mcp__edge__mixed", {})
        assert [p.text for p in out.parts] == ["one", "two"]
        # an error raised in the tool, and invalid arguments: error results, server still fine
        out = await ts.call("mcp__edge__fail", {"message": "disk full"})
        assert out.is_error and "disk full" in out.as_text
        out = await ts.call("mcp__edge__echo", {"text": 5})
        assert out.is_error and "valid string" in out.as_text
        # a result the SDK rejects (no structured content despite an output schema)
        out = await ts.call("mcp__edge__wrong_shape", {})
        assert out.is_error and "gave an unusable result" in out.as_text
        assert "did not return structured content" in out.as_text
        assert ts.connections["edge"].status == "ready"
        assert ts.connections["edge"].failures == 0 and ts.drain_notices() == []
        assert (await ts.call("mcp__edge__nope", {})).is_error


async def test_streamable_http_server(edge_http):
    server = MCPServerConfig(name="web", type="http", url=edge_http,
                             headers={"X-Test": "1"})
    async with MCPToolset([server]) as ts:
        assert ts.connections["web"].status == "ready"
        assert (await ts.call("mcp__web__echo", {"text": "over http"})).as_text == "over http"
        assert (await ts.call("mcp__web__add", {"a": 1, "b": 1})).structured == {"sum": 2}


async def test_legacy_sse_server(edge_sse):
    async with MCPToolset([MCPServerConfig(name="old", type="sse", url=edge_sse)]) as ts:
        assert (await ts.call("mcp__old__echo", {"text": "over sse"})).as_text == "over sse"


async def test_an_http_server_that_is_not_there():
    from mcp_support import free_port

    url = f"http://127.0.0.1:{free_port()}/mcp"
    server = MCPServerConfig(name="away", type="streamable-http", url=url, startup_timeout=5)
    async with MCPToolset([server]) as ts:
        assert ts.connections["away"].status == "failed"
        assert f"could not start at {url}: ConnectError" in str(ts.connections["away"].error)


async def test_servers_start_concurrently(tmp_path):
    """Each server waits until both have started before it answers: a start one after the
    other would time out."""
    flags = ("--rendezvous", str(tmp_path), "--peers", "2")
    async with MCPToolset([edge("a", *flags, startup_timeout=25),
                           edge("b", *flags, startup_timeout=25)]) as ts:
        assert {c.status for c in ts.connections.values()} == {"ready"}


async def test_per_call_timeout_keeps_the_server():
    async with MCPToolset([edge(timeout=0.5)]) as ts:
        out = await ts.call("mcp__edge__slow", {"seconds": 5})
        assert out.is_error and "timed out after 0.5 s" in out.as_text
        assert (await ts.call("mcp__edge__echo", {"text": "still here"})).as_text == "still here"
        assert ts.connections["edge"].restarts == 0


async def test_a_failing_server_is_reported_with_its_stderr_and_the_others_run():
    async with MCPToolset([edge(), edge("db", "--fail-start")]) as ts:
        assert ts.connections["db"].status == "failed"
        notices = ts.drain_notices()
        assert len(notices) == 1 and notices[0].level == "warning"
        message = notices[0].message
        assert "MCP server 'db'" in message and "exited before it answered" in message
        assert "cannot open the database (on purpose)" in message  # its stderr tail
        assert "required: true" in message
        assert all(d.name.startswith("mcp__edge__") for d in ts.tool_defs())
        assert (await ts.call("mcp__edge__echo", {"text": "ok"})).as_text == "ok"
        assert ts.drain_notices() == []


async def test_a_required_server_that_fails_fails_the_open_and_stops_the_others(tmp_path):
    pids = tmp_path / "pids"
    ts = MCPToolset([edge("a", "--pid-file", str(pids)),
                     edge("db", "--fail-start", required=True)])
    with pytest.raises(MCPServerError) as err:
        await ts.open()
    assert "MCP server 'db'" in str(err.value)
    assert "cannot open the database" in err.value.stderr
    assert ts.connections["a"].status == "stopped"
    started = [int(p) for p in pids.read_text().split()]
    assert started and not any(alive(p) for p in started)


async def test_missing_command_bad_cwd_and_startup_timeout():
    servers = [MCPServerConfig(name="ghost", command="/nonexistent/mcp-server"),
               edge("lost", cwd="/nonexistent/dir"),
               edge("stuck", "--stall-start", startup_timeout=1)]
    async with MCPToolset(servers) as ts:
        errors = {name: str(c.error) for name, c in ts.connections.items()}
    assert "command not found: '/nonexistent/mcp-server'" in errors["ghost"]
    assert "'/nonexistent/dir' is not a directory" in errors["lost"]
    assert "did not start within startup_timeout (1 s)" in errors["stuck"]


async def test_a_server_dying_mid_call_is_an_error_then_restarted_then_unavailable():
    async with MCPToolset([edge()], max_failures=2) as ts:
        conn = ts.connections["edge"]
        first_pid = int((await ts.call("mcp__edge__pid", {})).as_text)

        out = await ts.call("mcp__edge__crash", {})
        assert out.is_error and "died during a call to 'crash'" in out.as_text
        assert not alive(first_pid)
        notices = [n.message for n in ts.drain_notices()]
        assert notices == ["MCP server 'edge' died during a call to 'crash'; it will be "
                           "restarted on next use"]

        second_pid = int((await ts.call("mcp__edge__pid", {})).as_text)  # restarted
        assert second_pid != first_pid and conn.restarts == 1 and conn.failures == 0
        assert [n.message for n in ts.drain_notices()] == [
            "MCP server 'edge': restarting (restart 1)"]

        # two consecutive failures (a crash, then another crash right after the restart)
        assert (await ts.call("mcp__edge__crash", {})).is_error
        assert (await ts.call("mcp__edge__crash", {})).is_error
        assert conn.status == "unavailable"
        out = await ts.call("mcp__edge__echo", {"text": "x"})
        assert out.is_error and "unavailable after 2 consecutive failures" in out.as_text
        assert "marked unavailable" in ts.drain_notices()[-1].message


async def test_a_server_that_exits_between_calls_is_restarted_by_the_next_call():
    async with MCPToolset([edge()]) as ts:
        conn = ts.connections["edge"]
        first_pid = int((await ts.call("mcp__edge__pid", {})).as_text)
        assert (await ts.call("mcp__edge__exit_soon", {})).as_text == "bye"
        for _ in range(200):  # bounded: the server exits 0.2 s after answering
            if conn.status != "ready":
                break
            await asyncio.sleep(0.05)
        assert not alive(first_pid) and conn.status == "failed"
        out = await ts.call("mcp__edge__pid", {})  # no error: restarted first
        assert not out.is_error and int(out.as_text) != first_pid
        notices = [n.message for n in ts.drain_notices()]
        assert notices[0].startswith("MCP server 'edge' exited since its last call")
        assert "leaving between calls" in notices[0]  # its stderr
        assert notices[1] == "MCP server 'edge': restarting (restart 1)"
        assert conn.failures == 0  # the successful call reset the count


async def test_cwd_and_env_of_stdio_servers(tmp_path):
    (tmp_path / "work").mkdir()
    servers = [edge("own", cwd="work", env={"GREETING": "hello"}), edge("inherits")]
    params = BackendParams(type="chatcompletion", mcp_servers=servers, cwd=str(tmp_path))
    async with MCPToolset.from_params(params) as ts:
        assert (await ts.call("mcp__own__cwd", {})).as_text == str(tmp_path / "work")
        assert (await ts.call("mcp__inherits__cwd", {})).as_text == str(tmp_path)
        assert (await ts.call("mcp__own__env", {"name": "GREETING"})).as_text == "hello"
        assert (await ts.call("mcp__inherits__env", {"name": "GREETING"})).as_text == "<unset>"


async def test_invalid_tools_are_skipped_with_a_warning_and_the_rest_kept():
    async with MCPToolset([edge("edge", "--bad-tools")]) as ts:
        names = {d.name for d in ts.tool_defs()}
        warnings = [n.message for n in ts.drain_notices()]
    assert "mcp__edge__echo" in names and "mcp__edge__dotted_name" in names
    assert not any("broken_schema" in n or "far_too_long" in n for n in names)
    assert len(warnings) == 2
    assert any("skipped tool 'broken_schema'" in w and "not valid JSON Schema" in w
               for w in warnings)
    assert any("longer than 64 characters" in w for w in warnings)


async def test_dotted_tool_names_are_called_by_their_real_name():
    async with MCPToolset([edge("edge", "--bad-tools")]) as ts:
        out = await ts.call("mcp__edge__dotted_name", {})
    assert out.as_text == "dotted tool ran" and not out.is_error


async def test_filters_on_the_backend_and_on_each_server():
    servers = [edge("a", allowed_tools=["echo", "add", "mcp__a__pid"]),
               edge("b", exclude_tools=["*"], disallowed_tools=["nothing_like_this"]),
               edge("c")]
    ts = MCPToolset(servers, disallowed_tools=["mcp__a__add", "mcp__c__*"],
                    allowed_tools=["echo", "pid", "add", "mcp__x__*"])
    async with ts:
        names = sorted(d.name for d in ts.tool_defs())
        warnings = [n.message for n in ts.drain_notices()]
    assert names == ["mcp__a__echo", "mcp__a__pid"]
    assert len(warnings) == 2
    assert warnings[0].startswith("MCP server 'b' disallowed_tools: 'nothing_like_this' "
                                  "matches no MCP tool; available: mcp__b__add, ")
    assert warnings[1].startswith("backend allowed_tools: 'mcp__x__*' matches no MCP tool; "
                                  "available: mcp__a__add, ")
    status = {s["name"]: s for s in ts.status()}
    assert status["b"]["tools"] == [] and "echo" in status["b"]["filtered_out"]


def test_two_servers_with_one_name_are_refused():
    with pytest.raises(MCPServerError, match="two MCP servers have this name"):
        MCPToolset([edge("x"), edge("x")])
