"""The command-line MCP server over real stdio: MassGen's tool names, results and errors as
an MCP client sees them, started from a backend's keys or by `agentplug mcp serve`."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentplug.adapters.mcp import MCPToolset
from agentplug.core.params import BackendParams, MCPServerConfig
from agentplug.toolsets.command_line import TOOL_NAMES, server_config, with_command_line

AGENTPLUG = Path(sys.executable).parent / "agentplug"


def params(tmp_path, **keys) -> BackendParams:
    return BackendParams.model_validate({"type": "x", "enable_mcp_command_line": True,
                                         "cwd": str(tmp_path), **keys})


def call_json(output) -> dict:
    assert not output.is_error, output.as_text
    return json.loads(output.as_text)


async def test_the_backend_keys_start_a_server_with_massgens_tools(tmp_path):
    cfg = server_config(params(tmp_path, command_line_blocked_commands=["rm .*"]), "dev")
    assert cfg.name == "command_line" and cfg.required and cfg.timeout > 600
    async with MCPToolset([cfg]) as tools:
        assert [d.name for d in tools.tool_defs()] == [f"mcp__command_line__{n}"
                                                       for n in TOOL_NAMES]
        done = call_json(await tools.call("mcp__command_line__execute_command",
                                          {"command": "python3 -c 'print(6*7)'; ls"}))
        assert done["success"] and done["stdout"].startswith("42\n")
        assert done["work_dir"] == str(tmp_path)
        (tmp_path / "keep.txt").write_text("x")
        refused = await tools.call("mcp__command_line__execute_command",
                                   {"command": "rm -rf keep.txt"})
        assert refused.is_error and "blocked_commands pattern 'rm .*'" in refused.as_text
        assert (tmp_path / "keep.txt").exists()
        started = call_json(await tools.call("mcp__command_line__start_background_shell",
                                             {"command": "echo ready; sleep 300"}))
        sid = started["shell_id"]
        for _ in range(100):
            out = call_json(await tools.call("mcp__command_line__get_background_shell_output",
                                             {"shell_id": sid}))
            if out["stdout"]:
                break
            await asyncio.sleep(0.05)
        assert out["stdout"] == "ready" and out["status"] == "running"
        listed = call_json(await tools.call("mcp__command_line__list_background_shells", {}))
        assert [s["shell_id"] for s in listed["shells"]] == [sid]
        status = call_json(await tools.call("mcp__command_line__get_background_shell_status",
                                            {"shell_id": sid}))
        assert status["status"] == "running"
        unknown = await tools.call("mcp__command_line__kill_background_shell",
                                   {"shell_id": "shell_0"})
        assert unknown.is_error and "no background shell 'shell_0'" in unknown.as_text
    # closing the client closed the server, which killed the background shell (the autouse
    # fixture checks that no process is left)


async def test_agentplug_mcp_serve_command_line_is_a_stdio_server(tmp_path):
    cfg = MCPServerConfig(name="cl", command=str(AGENTPLUG),
                          args=["mcp", "serve", "command-line", "--cwd", str(tmp_path),
                                "--allow", "echo .*"])
    async with MCPToolset([cfg]) as tools:
        ok = call_json(await tools.call("mcp__cl__execute_command", {"command": "echo hi"}))
        assert ok["stdout"] == "hi\n"
        no = await tools.call("mcp__cl__execute_command", {"command": "ls"})
        assert no.is_error and "matches no command_line_allowed_commands" in no.as_text


def test_with_command_line_adds_the_server_only_when_enabled(tmp_path):
    off = BackendParams.model_validate({"type": "x", "cwd": str(tmp_path)})
    assert with_command_line(off) is off
    on = with_command_line(params(tmp_path))
    assert [s.name for s in on.mcp_servers] == ["command_line"]
    clash = params(tmp_path, mcp_servers=[{"name": "command_line", "command": "x"}])
    with pytest.raises(ValueError, match="already named 'command_line'"):
        with_command_line(clash)


def test_credential_values_never_reach_the_server_arguments(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-canary-value")
    cfg = server_config(params(tmp_path, command_line_execution_mode="docker",
                               command_line_docker_credentials={"env_vars": ["GITHUB_TOKEN"]}))
    assert "ghp-canary-value" not in " ".join(cfg.args)
    assert "GITHUB_TOKEN" in " ".join(cfg.args)  # the name travels, the value does not
    assert cfg.env["GITHUB_TOKEN"] == "ghp-canary-value"
    assert "ghp-canary-value" not in repr(cfg)


def test_mcp_list_shows_the_command_line_server(tmp_path):
    config = tmp_path / "agent.yaml"
    config.write_text(f"agent:\n  id: dev\n  backend:\n    type: chatcompletion\n"
                      f"    model: m\n    base_url: http://127.0.0.1:9/v1\n"
                      f"    cwd: {tmp_path / 'work'}\n    enable_mcp_command_line: true\n")
    out = subprocess.run([str(AGENTPLUG), "mcp", "list", "-c", str(config)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "command_line (stdio): ready, 6 tools" in out.stdout
    assert "mcp__command_line__execute_command" in out.stdout
