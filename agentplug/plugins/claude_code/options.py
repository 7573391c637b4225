"""``ClaudeCodeParams`` → the SDK's ``ClaudeAgentOptions`` (and the CLI's environment).

The API key and endpoint go into the CLI's own environment (``options.env``), never into
``os.environ``: other code in the process must not see a key it was not given.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agentplug.core.params import MCPServerConfig
from agentplug.core.tools import ToolDef, ToolRunner
from .params import ClaudeCodeParams
from .tools import SERVER_NAME, sdk_server

# `Tool(prefix*)` as MassGen wrote it: CLI 2.1.330 reads it as a glob over the whole command,
# so `Bash(su*)` also denies `sum` and `surf`. `Tool(prefix:*)` is the CLI's word-bounded prefix
# rule: seen denying `rm x`, `rm -rf .`, `ls && rm x`, `echo $(rm x)`, `/bin/rm x`, bare
# `sudo`, while `sum x` still runs (tests/claude_code/test_claude_code_permissions.py).
_GLUED_PREFIX = re.compile(r"^(\w+)\(([^\s:*()]+)\*\)$")


def translate_rule(rule: str) -> str:
    """A deny/allow rule in a form the CLI honours (``Bash(rm*)`` → ``Bash(rm:*)``)."""
    match = _GLUED_PREFIX.match(rule.strip())
    return f"{match.group(1)}({match.group(2)}:*)" if match else rule.strip()


def system_prompt(params: ClaudeCodeParams, agent_system: str | None) -> Any:
    """The SDK ``system_prompt``: the claude_code preset plus ours, or ours alone."""
    ours = "\n\n".join(t for t in (agent_system, params.system_prompt) if t)
    if params.system_prompt_mode == "replace":
        return ours
    preset: dict[str, Any] = {"type": "preset", "preset": "claude_code"}
    if ours:
        preset["append"] = ours
    return preset


def thinking(params: ClaudeCodeParams) -> dict[str, Any]:
    if not params.max_thinking_tokens:
        return {"type": "disabled"}
    return {"type": "enabled", "budget_tokens": params.max_thinking_tokens}


def mcp_server(server: MCPServerConfig) -> dict[str, Any]:
    """One configured MCP server in the SDK's format."""
    if server.type == "stdio":
        cfg: dict[str, Any] = {"type": "stdio", "command": server.command,
                               "args": list(server.args)}
        if server.env:
            cfg["env"] = dict(server.env)
        return cfg
    kind = "sse" if server.type == "sse" else "http"
    cfg = {"type": kind, "url": server.url}
    if server.headers:
        cfg["headers"] = dict(server.headers)
    return cfg


def _server_rules(server: MCPServerConfig) -> tuple[list[str], list[str]]:
    """(allowed, disallowed) rules: a configured server's tools are pre-approved."""
    prefix = f"mcp__{server.name}"
    allowed = ([f"{prefix}__{t}" for t in server.allowed_tools]
               if server.allowed_tools is not None else [prefix])
    denied = [f"{prefix}__{t}" for t in (server.disallowed_tools or [])
              + (server.exclude_tools or [])]
    return allowed, denied


def environment(params: ClaudeCodeParams, api_key: str | None) -> dict[str, str]:
    env = dict(params.env)
    if api_key:
        env["ANTHROPIC_API_KEY"] = api_key
    if params.base_url:
        env["ANTHROPIC_BASE_URL"] = params.base_url
    if params.max_retries is not None:
        env["CLAUDE_CODE_MAX_RETRIES"] = str(params.max_retries)
    if params.timeout is not None:
        env["API_TIMEOUT_MS"] = str(int(params.timeout * 1000))
    if params.max_tokens is not None:
        env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] = str(params.max_tokens)
    return env


def working_dir(params: ClaudeCodeParams) -> str:
    path = Path(params.cwd or os.getcwd())
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def build_options(params: ClaudeCodeParams, *, api_key: str | None, agent_system: str | None,
                  tools: Sequence[ToolDef], runner: ToolRunner | None, resume: str | None,
                  stderr: Callable[[str], None] | None = None,
                  output_schema: dict[str, Any] | None = None) -> Any:
    from claude_agent_sdk import ClaudeAgentOptions

    allowed = [translate_rule(r) for r in params.allowed_tools or []]
    denied = [translate_rule(r) for r in params.deny_rules]
    denied += [translate_rule(r) for r in params.exclude_tools or []]
    servers: dict[str, Any] = {}
    for server in params.mcp_servers:
        servers[server.name] = mcp_server(server)
        more_allowed, more_denied = _server_rules(server)
        allowed += more_allowed
        denied += more_denied
    if tools and runner is not None:
        servers[SERVER_NAME] = sdk_server(tools, runner)
        allowed.append(f"mcp__{SERVER_NAME}")
    return ClaudeAgentOptions(
        system_prompt=system_prompt(params, agent_system),
        thinking=thinking(params),  # type: ignore[arg-type]
        permission_mode=params.permission_mode,
        allowed_tools=_unique(allowed),
        disallowed_tools=_unique(denied),
        mcp_servers=servers,
        cwd=working_dir(params),
        model=params.model,
        max_turns=params.max_turns,
        max_budget_usd=params.max_budget_usd,
        resume=resume,
        setting_sources=list(params.setting_sources or []),
        env=environment(params, api_key),
        include_partial_messages=True,
        cli_path=params.cli_path,
        add_dirs=list(params.add_dirs),
        verbatim_prompts=params.verbatim_prompts,
        stderr=stderr,
        # A typed answer: the CLI's --json-schema (its StructuredOutput tool, checked).
        output_format=None if output_schema is None else {"type": "json_schema",
                                                          "schema": output_schema},
    )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
