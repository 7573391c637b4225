"""MassGen's own key shapes on the wire and at run time: OpenAI's nested ``text`` and
``reasoning``, MCP servers as a mapping with ``${cwd}``, and a ``security`` violation refused
before anything is spawned."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from agentplug import create_agent, load_config
from agentplug.core.errors import ConfigError
from agentplug.testing import ChatCompletionsSimulator, Reply, ResponsesSimulator, ToolCallSpec

# The SDKs are imported on first use: here, outside the loop the slow-callback guard watches.
import mcp  # noqa: E402,F401
import openai  # noqa: E402,F401

import agentplug.plugins.chatcompletion.backend  # noqa: E402,F401
import agentplug.plugins.gemini.backend  # noqa: E402,F401
import agentplug.plugins.openai.backend  # noqa: E402,F401

EDGE = Path(__file__).parents[1] / "mcp" / "servers" / "edge_server.py"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(text)
    return path


async def test_text_and_reasoning_reach_the_responses_request_as_written(tmp_path):
    with ResponsesSimulator(Reply("ok")) as sim:
        config = load_config(write(tmp_path, f"""\
agent:
  backend:
    type: openai
    model: gpt-5-nano
    api_key: sk-test
    base_url: {sim.base_url}
    text:
      verbosity: medium
      format: {{type: text}}
    reasoning:
      effort: low
"""))
        agent = await asyncio.to_thread(create_agent, config.agents[0])
        async with agent:
            await agent.run("hi")
    body = sim.requests[0].body
    assert body["text"] == {"verbosity": "medium", "format": {"type": "text"}}
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}


def test_flat_aliases_fold_into_the_nested_shape_and_contradictions_fail(tmp_path):
    params = load_config(write(tmp_path, "agent:\n  backend: {type: openai, "
                               "reasoning_effort: high, text_verbosity: low}\n")
                         ).agents[0].backend
    assert params.reasoning.model_dump(exclude_none=True) == {  # type: ignore[attr-defined]
        "effort": "high", "summary": "auto"}
    assert params.text.verbosity == "low"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "agent:\n  backend: {type: openai, reasoning_effort: high,"
                                    " reasoning: {effort: low}}\n"))
    assert "contradicts reasoning.effort" in str(err.value.issues[0])


async def test_mcp_servers_as_a_mapping_start_with_cwd_in_their_args(tmp_path):
    pytest.importorskip("mcp")
    work = tmp_path / "work"
    work.mkdir()
    pid_file = "${cwd}/edge.pid"
    with ChatCompletionsSimulator(
            Reply(tool_calls=[ToolCallSpec("mcp__edge__echo", {"text": "hi"}, id="c1")]),
            Reply("done")) as sim:
        config = load_config(write(tmp_path, f"""\
agent:
  backend:
    type: chatcompletion
    model: m
    base_url: {sim.base_url}
    cwd: {work}
    mcp_servers:
      edge:
        type: stdio
        command: {sys.executable}
        args: ["{EDGE}", "--pid-file", "{pid_file}"]
"""))
        server = config.agents[0].backend.mcp_servers[0]
        assert server.name == "edge" and server.args[-1] == f"{work.resolve()}/edge.pid"
        agent = await asyncio.to_thread(create_agent, config.agents[0])
        async with agent:
            result = await agent.run("echo hi")
    assert result.text == "done"
    assert (work / "edge.pid").is_file()  # the server ran with ${cwd} replaced
    assert "mcp__edge__echo" in {t["function"]["name"] for t in sim.requests[0].body["tools"]}


def test_security_violation_is_refused_before_anything_is_spawned(tmp_path):
    marker = tmp_path / "spawned"
    config = load_config(write(tmp_path, f"""\
agent:
  backend:
    type: chatcompletion
    model: m
    base_url: http://127.0.0.1:9/v1
    mcp_servers:
      - name: files
        command: bash
        args: ["-c", "touch {marker}"]
        security: {{level: strict}}
"""))
    with pytest.raises(ConfigError) as err:
        create_agent(config.agents[0])
    (issue,) = err.value.issues
    assert issue.key_path == "agent.backend.mcp_servers[0].command" and issue.line == 8
    assert "rule: shell as command, security level strict" in issue.message
    assert not marker.exists()


async def test_env_policy_decides_what_the_server_is_given(tmp_path):
    pytest.importorskip("mcp")
    config = load_config(write(tmp_path, f"""\
agent:
  backend:
    type: chatcompletion
    model: m
    base_url: http://127.0.0.1:9/v1
    mcp_servers:
      - name: edge
        command: {sys.executable}
        args: ["{EDGE}"]
        env: {{LOG_LEVEL: INFO, GITHUB_TOKEN: ghp-secret}}
        security:
          level: moderate
          env: {{mode: allowlist, allowed_vars: [LOG_LEVEL]}}
"""))
    create_agent(config.agents[0])
    assert dict(config.agents[0].backend.mcp_servers[0].env) == {"LOG_LEVEL": "INFO"}


def test_agent_level_filesystem_cwd_is_the_backends_cwd(tmp_path):
    config = load_config(write(tmp_path, """\
agents:
  - id: a
    backend: {type: gemini}
    filesystem: {cwd: workspace1}
"""))
    assert config.agents[0].backend.cwd == "workspace1"
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "agent:\n  backend: {type: gemini, cwd: other}\n"
                                    "  filesystem: {cwd: workspace2}\n"))
    (issue,) = err.value.issues
    assert issue.key_path == "agent.filesystem.cwd" and "contradicts backend.cwd" in issue.message


async def test_gemini_safety_settings_in_massgens_shape_reach_the_request(tmp_path):
    from agentplug.testing import GeminiSimulator

    with GeminiSimulator(Reply("ok")) as sim:
        config = load_config(write(tmp_path, f"""\
agent:
  backend:
    type: gemini
    api_key: gm-test
    base_url: {sim.base_url}
    safety_settings:
      HARM_CATEGORY_HARASSMENT: "BLOCK_MEDIUM_AND_ABOVE"
      HARM_CATEGORY_HATE_SPEECH: "BLOCK_ONLY_HIGH"
"""))
        agent = await asyncio.to_thread(create_agent, config.agents[0])
        async with agent:
            await agent.run("hi")
    assert sim.requests[0].body["safetySettings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_MEDIUM_AND_ABOVE"},
        {"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_ONLY_HIGH"}]
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "agent:\n  backend: {type: gemini, safety_settings: "
                                    "{HARM_CATEGORY_HARASSMENT: SOMETIMES}}\n"))
    assert "'SOMETIMES' is not one of" in err.value.issues[0].message


def test_older_and_no_op_massgen_keys_are_read_with_a_notice(tmp_path):
    config = load_config(write(tmp_path, """\
agents:
  - id: writer
    backend:
      type: openai
      model: gpt-4o
      multimodal:
        enabled: true
      enable_mcp_command_line: true
      enable_docker_isolation: true
      docker_network_mode: bridge
    persistent_memory:
      enabled: true
"""))
    params = config.agents[0].backend
    assert params.command_line_execution_mode == "docker"
    assert params.command_line_docker_network_mode == "bridge"
    notes = {n.key_path: (n.message, n.line) for n in config.notices}
    assert notes["agents[0].backend.multimodal"][1] == 6
    assert "always sends images and documents" in notes["agents[0].backend.multimodal"][0]
    assert "command_line_execution_mode: docker" in \
        notes["agents[0].backend.enable_docker_isolation"][0]
    assert "MassGen's memory system" in notes["agents[0].persistent_memory"][0]


def test_refused_massgen_keys_say_why_and_what_to_write(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, """\
agent:
  backend:
    type: openai
    model: computer-use-preview
    enable_computer_use: true
    multimodal: {enabled: false}
"""))
    found = {i.key_path: i for i in err.value.issues}
    use = found["agent.backend.enable_computer_use"]
    assert use.line == 5 and "MassGen's `enable_computer_use` is not supported" in use.message
    assert "@playwright/mcp" in use.message and use.hint == "remove enable_computer_use"
    assert "agent.backend.multimodal" in found  # switching images off is not ignored


def test_srt_execution_mode_is_refused_with_what_to_use(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "agent:\n  backend:\n    type: openai\n    model: gpt-5\n"
                                    "    enable_mcp_command_line: true\n"
                                    "    command_line_execution_mode: srt\n"))
    (issue,) = err.value.issues
    assert issue.key_path == "agent.backend.command_line_execution_mode" and issue.line == 6
    assert "Anthropic's sandbox-runtime" in issue.message
    assert "command_line_execution_mode: docker" in (issue.hint or "")


def test_a_backend_key_written_on_the_agent_says_where_it_belongs(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "agent:\n  backend: {type: gemini}\n  mcp_servers:\n"
                                    "    - filesystem\n"))
    (issue,) = err.value.issues
    assert issue.key_path == "agent.mcp_servers" and issue.line == 3
    assert "belongs to its backend" in issue.message and issue.hint == \
        "move mcp_servers under backend:"


def test_massgen_report_lists_agent_level_memory_as_ignored(tmp_path, capsys):
    import argparse

    from agentplug.commands.check import check

    path = write(tmp_path, "agent:\n  backend: {type: gemini, model: gemini-2.5-flash}\n"
                           "  persistent_memory: {enabled: true}\n")
    assert check(argparse.Namespace(config=str(path), strict=False, massgen=True)) == 0
    out = capsys.readouterr().out
    ignored = out.split("massgen: ignored on purpose")[1].split("massgen: rejected")[0]
    assert "agent.persistent_memory: MassGen's memory system" in ignored
    assert "agent.persistent_memory" not in out.split("massgen: ignored on purpose")[0]
