"""MassGen's command environments in local mode, with real processes: a
``command_execution_prefix`` wrapper every command runs under, a virtualenv (configured, or a
``.venv`` found in the command's directory) whose python is the one a command gets, and the
config errors for bad values, located in the YAML."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentplug import create_agent
from agentplug.core.config import parse_config
from agentplug.core.errors import ConfigError
from agentplug.core.events import ToolResult
from agentplug.testing import ChatCompletionsSimulator, Reply, ToolCallSpec
from agentplug.toolsets.command_line import server_config
from agentplug.toolsets.command_line.process import SandboxError
from agentplug.toolsets.command_line.server import CommandLine, ToolFailure
from agentplug.toolsets.command_line.settings import CommandLineSettings

from cl_support import EXECUTE

WHICH_PYTHON = ("command -v python; python -c 'import sys; print(sys.prefix)'; "
                "echo \"venv=$VIRTUAL_ENV\"")


def make_venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True,
                   timeout=120)
    return path


@pytest.fixture
def tools(tmp_path, opened):
    async def make(**settings) -> CommandLine:
        return await opened(CommandLineSettings(cwd=str(tmp_path / "work"), **settings))
    return make


async def test_every_command_runs_under_the_prefix(tools, tmp_path):
    wrapper = tmp_path / "wrap.sh"
    wrapper.write_text('#!/bin/sh\necho "wrapped: $*" >&2\nWRAPPED=yes exec "$@"\n')
    wrapper.chmod(0o755)
    cl = await tools(command_prefix=f"{wrapper} env FOO=1",
                     blocked_commands=(r"^env\b",))
    result = await cl.execute("python3 -c 'import os; print(os.environ[\"FOO\"], "
                              "os.environ[\"WRAPPED\"])'")
    assert result["stdout"] == "1 yes\n"
    assert result["stderr"].startswith("wrapped: env FOO=1 python3 -c")
    assert result["command"].startswith(f"{wrapper} env FOO=1 python3 -c")
    # the policy judges what the model wrote, not the configured wrapper
    with pytest.raises(ToolFailure, match="blocked"):
        await cl.execute("env")
    shell = await cl.start_background("python3 -c 'import os; print(os.environ[\"FOO\"])'")
    for _ in range(200):
        if cl.shells.get(shell["shell_id"]).status != "running":
            break
        await asyncio.sleep(0.05)
    assert cl.shells.output(shell["shell_id"])["stdout"] == "1"


async def test_a_venv_in_the_work_dir_is_the_python_a_command_gets(tools, tmp_path):
    work = tmp_path / "work"
    venv = make_venv(work / ".venv")
    cl = await tools()
    lines = (await cl.execute(WHICH_PYTHON))["stdout"].splitlines()
    assert lines == [str(venv / "bin" / "python"), str(venv), f"venv={venv}"]
    # a subdirectory without its own .venv gets the system's python, as in MassGen
    (work / "sub").mkdir()
    other = (await cl.execute(WHICH_PYTHON, work_dir="sub"))["stdout"].splitlines()
    assert other[0] != str(venv / "bin" / "python") and other[1] != str(venv)


async def test_a_configured_venv_path_wins_and_a_prefix_wins_over_both(tools, tmp_path):
    (tmp_path / "work").mkdir()
    make_venv(tmp_path / "work" / ".venv")
    chosen = make_venv(tmp_path / "envs" / "chosen")
    cl = await tools(venv_path=str(chosen))
    lines = (await cl.execute(WHICH_PYTHON))["stdout"].splitlines()
    assert lines == [str(chosen / "bin" / "python"), str(chosen), f"venv={chosen}"]
    # MassGen's order: a prefix chooses the environment, no venv goes with it
    wrapped = await tools(venv_path=str(chosen), command_prefix="env BAR=2")
    lines = (await wrapped.execute(WHICH_PYTHON))["stdout"].splitlines()
    assert str(chosen) not in "\n".join(lines)


async def test_a_venv_path_that_is_not_a_venv_is_a_clear_error(tmp_path):
    cl = CommandLine(CommandLineSettings(cwd=str(tmp_path), venv_path=str(tmp_path / "nope")))
    with pytest.raises(SandboxError, match="command_execution_venv_path: .*nope is not a "
                                           "virtualenv"):
        await cl.open()
    await cl.close()


def test_the_keys_reach_the_server_and_relative_venvs_resolve(tmp_path):
    config = parse_config(
        "agent:\n  backend:\n    type: chatcompletion\n    model: m\n"
            "    base_url: http://127.0.0.1:9\n"
        f"    cwd: {tmp_path}\n    enable_mcp_command_line: true\n"
        "    command_execution_prefix: \"-x run --flag 'a b'\"\n"
        "    command_execution_venv_path: envs/v\n", source="env.yaml")
    params = config.agents[0].backend
    server = server_config(params)
    settings = CommandLineSettings.parse_args(server.args[2:])
    assert settings.command_prefix == "-x run --flag 'a b'"
    assert settings.venv_path == str(Path.cwd() / "envs" / "v")


@pytest.mark.parametrize(("line", "expected"), [
    ('command_execution_prefix: "  "', "is empty"),
    ("command_execution_prefix: \"uv run 'oops\"", "not a shell word list"),
    ('command_execution_venv_path: ""', "is empty"),
    ("command_line_docker_packages: {auto_install_on_clone: true}", "never clones"),
])
def test_bad_values_are_located_config_errors(line, expected):
    text = ("agent:\n  backend:\n    type: chatcompletion\n    model: m\n"
            "    base_url: http://127.0.0.1:9\n"
            f"    enable_mcp_command_line: true\n    {line}\n")
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="bad.yaml")
    assert "bad.yaml:7" in str(info.value) and expected in str(info.value)


def test_a_relative_venv_in_docker_mode_is_a_located_error():
    text = ("agent:\n  backend:\n    type: chatcompletion\n    model: m\n"
            "    base_url: http://127.0.0.1:9\n"
            "    enable_mcp_command_line: true\n    command_line_execution_mode: docker\n"
            "    command_execution_venv_path: .venv\n")
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="dv.yaml")
    assert "dv.yaml:8" in str(info.value) and "path inside the container" in str(info.value)


async def test_a_model_runs_a_command_under_the_prefix_through_a_backend(tmp_path):
    script = [Reply(tool_calls=[ToolCallSpec(EXECUTE, {"command": "printenv FOO"}, id="c1")]),
              Reply("FOO is 1.")]
    with ChatCompletionsSimulator(*script) as sim:
        async with create_agent({"type": "chatcompletion", "model": "sim-model",
                                 "base_url": sim.base_url, "max_retries": 0,
                                 "cwd": str(tmp_path / "work"), "enable_mcp_command_line": True,
                                 "command_execution_prefix": "env FOO=1"}) as agent:
            events = [e async for e in agent.stream("what is FOO?")]
        last = [r for r in sim.requests if r.method == "POST"][-1]
    result = next(e for e in events if isinstance(e, ToolResult))
    body = json.loads(result.output[result.output.index("{"):])
    assert not result.is_error and body["stdout"] == "1\n"
    assert body["command"] == "env FOO=1 printenv FOO"
    assert "env FOO=1 printenv FOO" in json.dumps(last.body)
