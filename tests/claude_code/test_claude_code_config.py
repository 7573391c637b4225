"""Params, their validation and their mapping to ClaudeAgentOptions (no CLI started)."""

from __future__ import annotations

import os
import typing
from pathlib import Path

import pytest
from claude_agent_sdk import types as sdk_types

from agentplug.plugins.claude_code.options import build_options, translate_rule
from agentplug.core.config import load_config, params_from_dict
from agentplug.core.errors import ConfigError
from agentplug.core.host import default_host
from agentplug.core.tools import ToolDef, ToolOutput
from agentplug.plugins.claude_code import DEFAULT_DISALLOWED, PERMISSION_MODES

ROOT = Path(__file__).resolve().parents[2]
SPEC = default_host().backend("claude_code")


def params(**raw):
    return params_from_dict(SPEC, {"type": "claude_code", **raw})


def options(p, **kw):
    kw = {"api_key": None, "agent_system": None, "tools": (), "runner": None, "resume": None,
          **kw}
    return build_options(p, **kw)


def test_permission_modes_are_the_sdks():
    assert set(PERMISSION_MODES) == set(typing.get_args(sdk_types.PermissionMode))
    assert params().permission_mode == "default"  # bypassPermissions only when asked for
    with pytest.raises(ConfigError, match="permission_mode"):
        params(permission_mode="yolo")


@pytest.mark.parametrize(("rule", "cli"), [
    ("Bash(rm*)", "Bash(rm:*)"), ("Bash(su*)", "Bash(su:*)"), ("Bash(rm *)", "Bash(rm *)"),
    ("Bash(git push:*)", "Bash(git push:*)"), ("WebFetch", "WebFetch"), ("Read(*)", "Read(*)"),
])
def test_translate_rule(rule, cli):
    assert translate_rule(rule) == cli


def test_disallowed_tools_extend_the_defaults_unless_replaced(tmp_path):
    extended = options(params(disallowed_tools=["WebFetch", "Bash(rm*)"], cwd=str(tmp_path)))
    assert extended.disallowed_tools == [translate_rule(r) for r in DEFAULT_DISALLOWED] + [
        "WebFetch"]
    replaced = options(params(disallowed_tools=["WebFetch"], replace_default_disallowed=True,
                              cwd=str(tmp_path)))
    assert replaced.disallowed_tools == ["WebFetch"]


def test_options_mapping(tmp_path):
    cwd = tmp_path / "a" / "b"
    p = params(model="claude-opus-4-7", cwd=str(cwd), max_turns=3, max_budget_usd=2.5,
               allowed_tools=["Read"], system_prompt="Be terse.", max_thinking_tokens=4096,
               permission_mode="acceptEdits", base_url="http://127.0.0.1:9", max_retries=1,
               timeout=30, max_tokens=2000, resume="abc", env={"FOO": "bar"},
               mcp_servers=[
                   {"name": "files", "command": "npx", "args": ["-y", "server"],
                    "env": {"X": "1"}, "exclude_tools": ["delete"]},
                   {"name": "web", "type": "streamable-http", "url": "http://h/mcp",
                    "headers": {"A": "b"}, "allowed_tools": ["fetch"]},
                   {"name": "old", "type": "sse", "url": "http://h/sse"}])
    o = options(p, api_key="sk-x", agent_system="You are kind.", resume="abc")
    assert cwd.is_dir()  # created
    assert (o.model, o.max_turns, o.max_budget_usd, o.resume) == ("claude-opus-4-7", 3, 2.5, "abc")
    assert o.cwd == str(cwd) and o.permission_mode == "acceptEdits"
    assert o.system_prompt == {"type": "preset", "preset": "claude_code",
                               "append": "You are kind.\n\nBe terse."}
    assert o.thinking == {"type": "enabled", "budget_tokens": 4096}
    assert o.setting_sources == [] and o.include_partial_messages and not o.verbatim_prompts
    assert o.env == {"FOO": "bar", "ANTHROPIC_API_KEY": "sk-x",
                     "ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "CLAUDE_CODE_MAX_RETRIES": "1",
                     "API_TIMEOUT_MS": "30000", "CLAUDE_CODE_MAX_OUTPUT_TOKENS": "2000"}
    assert "sk-x" not in os.environ.values()
    assert o.mcp_servers == {
        "files": {"type": "stdio", "command": "npx", "args": ["-y", "server"], "env": {"X": "1"}},
        "web": {"type": "http", "url": "http://h/mcp", "headers": {"A": "b"}},
        "old": {"type": "sse", "url": "http://h/sse"}}
    assert o.allowed_tools == ["Read", "mcp__files", "mcp__web__fetch", "mcp__old"]
    assert o.disallowed_tools[-1] == "mcp__files__delete"


def test_system_prompt_replace_and_thinking_off(tmp_path):
    o = options(params(system_prompt="Only this.", system_prompt_mode="replace",
                       max_thinking_tokens=0, cwd=str(tmp_path), verbatim_prompts=True),
                agent_system="Agent.")
    assert o.verbatim_prompts
    assert o.system_prompt == "Agent.\n\nOnly this."
    assert o.thinking == {"type": "disabled"}
    assert options(params(cwd=str(tmp_path))).system_prompt == {"type": "preset",
                                                                "preset": "claude_code"}


async def test_agentplug_tools_become_an_sdk_mcp_server(tmp_path):
    async def runner(name, arguments):
        return ToolOutput.text(f"{name}:{arguments}")

    td = ToolDef("add", "Add.", {"type": "object", "properties": {"a": {"type": "integer"}}})
    o = options(params(cwd=str(tmp_path)), tools=[td], runner=runner)
    server = o.mcp_servers["agentplug"]
    assert server["type"] == "sdk" and server["name"] == "agentplug"
    assert "mcp__agentplug" in o.allowed_tools


@pytest.mark.parametrize(("raw", "message"), [
    ({"temperature": 0.2}, "temperature"),
    ({"max_thinking_tokens": 500}, "at least 1024"),
    ({"system_prompt_mode": "replace"}, "needs a system_prompt"),
    ({"enable_web_search": True}, "enable_web_search"),
    ({"max_turns": 0}, "max_turns"),
])
def test_bad_params_are_refused(raw, message):
    with pytest.raises(ConfigError, match=message):
        params(**raw)


def test_example_config_is_valid():
    config = load_config(ROOT / "examples" / "claude_code.yaml")
    p = config.agents[0].backend
    assert (p.type, p.permission_mode, p.max_turns) == ("claude_code", "acceptEdits", 20)
    assert p.deny_rules[:5] == list(DEFAULT_DISALLOWED) and "WebFetch" in p.deny_rules


def test_listing_backends_does_not_import_the_sdk():
    import subprocess
    import sys

    code = ("import sys; from agentplug.core.host import PluginHost; "
            "h = PluginHost(load_entry_points=False); h.backend('claude_code'); "
            "print('claude_agent_sdk' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


async def test_a_missing_cli_is_an_error_event(tmp_path):
    from agentplug import create_agent
    from agentplug.core.events import ErrorEvent

    agent = create_agent({"type": "claude_code", "api_key": "k", "cwd": str(tmp_path),
                          "cli_path": str(tmp_path / "no-such-claude")})
    async with agent:
        events = [e async for e in agent.stream("hi")]
    assert isinstance(events[-1], ErrorEvent)
    assert "could not start Claude Code" in events[-1].message
    assert "no-such-claude" in events[-1].message
