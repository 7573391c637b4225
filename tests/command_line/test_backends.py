"""Every backend gets code execution the same way: a simulator-scripted model calls
`execute_command`, the command really runs (locally, or in a container on the private engine)
and its output goes back to the model on the wire — through chatcompletion, openai, claude,
gemini, claude_code (its CLI runs the MCP server) and ag2."""

from __future__ import annotations

import contextlib
import importlib
import json
import socket

import pytest

from agentplug import create_agent
from agentplug.core.events import ToolResult
from agentplug.core.host import default_host
from agentplug.testing import (
    AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, Reply, ResponsesSimulator,
    ToolCallSpec,
)

from cl_support import EXECUTE, claude_code_env

# Import the heavy runtimes now, outside the event loop the slow-callback guard watches.
for _runtime in ("agentplug.plugins.ag2.backend", "agentplug.plugins.claude_code.backend",
                 "agentplug.adapters.mcp.ag2", "claude_agent_sdk", "autogen"):
    with contextlib.suppress(ImportError):  # the test that needs it skips
        importlib.import_module(_runtime)
default_host()

COMMAND = "python3 -c 'print(6 * 7)' && echo host=$(hostname) && id -u"


def chat(sim, **keys):
    return {"type": "chatcompletion", "model": "sim-model", "base_url": sim.base_url,
            "max_retries": 0, **keys}


BACKENDS = {
    "chatcompletion": (ChatCompletionsSimulator, None, lambda sim, tmp: chat(sim)),
    "openai": (ResponsesSimulator, "OPENAI_API_KEY",
               lambda sim, tmp: {"type": "openai", "model": "gpt-5", "base_url": sim.base_url,
                                 "max_retries": 0}),
    "claude": (AnthropicSimulator, "ANTHROPIC_API_KEY",
               lambda sim, tmp: {"type": "claude", "model": "claude-sonnet-4-6",
                                 "base_url": sim.base_url, "max_retries": 0}),
    "gemini": (GeminiSimulator, "GEMINI_API_KEY",
               lambda sim, tmp: {"type": "gemini", "model": "gemini-2.5-flash",
                                 "base_url": sim.base_url, "max_retries": 0}),
    "claude_code": (AnthropicSimulator, None,
                    lambda sim, tmp: {"type": "claude_code", "model": "claude-sonnet-4-6",
                                      "base_url": sim.base_url, "api_key": "sk-ant-test",
                                      "max_retries": 0, "env": claude_code_env(tmp / "home")}),
    "ag2": (ChatCompletionsSimulator, None,
            lambda sim, tmp: {"type": "ag2", "agent_config": {"name": "coder"},
                              "llm": chat(sim)}),
}


def model_calls(sim):
    return [r for r in sim.requests if r.method == "POST"]


async def run_one(backend, mode, tmp_path, cwd, monkeypatch):
    simulator, key_var, make = BACKENDS[backend]
    if key_var:
        monkeypatch.setenv(key_var, "test-key")
    if backend == "claude_code":
        pytest.importorskip("claude_agent_sdk")
    if backend == "ag2":
        pytest.importorskip("autogen")
    script = [Reply(tool_calls=[ToolCallSpec(EXECUTE, {"command": COMMAND}, id="toolu_cmd1")]),
              Reply("It printed 42.")]
    with simulator(*script) as sim:
        config = {**make(sim, tmp_path), "cwd": str(cwd), "enable_mcp_command_line": True,
                  "command_line_execution_mode": mode}
        async with create_agent(config) as agent:
            events = [e async for e in agent.stream("Run 6*7 in Python")]
        requests = model_calls(sim)
    assert events[-1].type == "done", events[-1]
    results = [e for e in events if isinstance(e, ToolResult)]
    assert len(results) == 1 and not results[0].is_error, results
    output = results[0].output
    stdout = json.loads(output[output.index("{"):])["stdout"]
    assert stdout.startswith("42\nhost=")
    # the real output reached the model on the wire
    host_line = stdout.splitlines()[1]
    assert host_line in json.dumps(requests[-1].body)
    return stdout


PARAMS = list(BACKENDS)


@pytest.mark.parametrize("backend", PARAMS)
async def test_local_commands_through_every_backend(backend, tmp_path, monkeypatch):
    output = await run_one(backend, "local", tmp_path, tmp_path / "work", monkeypatch)
    assert f"host={socket.gethostname()}" in output


@pytest.mark.docker
@pytest.mark.parametrize("backend", PARAMS)
async def test_docker_commands_through_every_backend(backend, tmp_path, user_dir, docker_env,
                                                     monkeypatch):
    output = await run_one(backend, "docker", tmp_path, user_dir, monkeypatch)
    assert "host=" in output and f"host={socket.gethostname()}" not in output
    assert "1000" in output  # as the project's owner, inside the container


async def test_a_missing_engine_is_a_tool_error_that_says_how_to_fix_it(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    script = [Reply(tool_calls=[ToolCallSpec(EXECUTE, {"command": "echo hi"}, id="c1")]),
              Reply("No engine."), Reply("Still here.")]
    with ChatCompletionsSimulator(*script) as sim:
        async with create_agent({**chat(sim), "cwd": str(tmp_path / "work"),
                                 "enable_mcp_command_line": True,
                                 "command_line_execution_mode": "docker"}) as agent:
            events = [e async for e in agent.stream("run it")]
            again = await agent.run("are you there?")
    result = next(e for e in events if isinstance(e, ToolResult))
    assert result.is_error and "needs a Docker engine" in result.output
    assert f"unix://{tmp_path}/no-engine.sock" in result.output
    assert "scripts/docker-engine.sh start" in result.output
    assert events[-1].text == "No engine." and again.text == "Still here."
