"""MCP server ``security`` levels: each rule by level, and violations as located config
errors from ``agentplug check``."""

from __future__ import annotations

import argparse

import pytest

from agentplug.adapters.mcp.security import check_server, filtered_env, withheld
from agentplug.commands.check import check
from agentplug.core.params import MCPServerConfig


def server(level: str | None = "strict", **fields) -> MCPServerConfig:
    base = {"name": "srv", "type": "stdio", "command": "python3", "args": ["-m", "server"]}
    if level is not None:
        fields.setdefault("security", {})
        fields["security"] = {"level": level, **fields["security"]}
    return MCPServerConfig.model_validate({**base, **fields})


def rules(s: MCPServerConfig, **kw) -> set[str]:
    return {v.rule for v in check_server(s, **kw)}


def test_no_security_block_means_massgens_default_strict_with_env_as_written():
    bad = server(None, command="bash", args=["-c", "rm -rf /; echo"])
    assert rules(bad) == rules(server("strict", command="bash", args=["-c", "rm -rf /; echo"]))
    assert {v.level for v in check_server(bad)} == {"strict"}
    plain = server(None, command="npx", args=["-y", "mcp-discord", "--config",
                                              "${DISCORD_TOKEN}"], env={"NOTION_TOKEN": "x"})
    assert rules(plain) == set()  # an unset ${VAR} is reported by the loader, not here
    assert filtered_env(plain) == {"NOTION_TOKEN": "x"} and withheld(plain) == []
    assert rules(server(None, type="streamable-http", command=None, args=[],
                        url="http://localhost:8000/mcp")) == {"URL scheme", "localhost"}


@pytest.mark.parametrize(("level", "expected"), [
    ("strict", {"shell as command", "shell metacharacters"}),
    ("moderate", {"shell as command", "shell metacharacters"}),
    ("permissive", set()),
])
def test_shells_and_metacharacters_by_level(level, expected):
    assert rules(server(level, command="bash", args=["-c", "cd /app && python s.py"])) == expected


def test_metacharacters_in_the_command_and_dangerous_executables_at_every_level():
    for level in ("strict", "moderate", "permissive"):
        assert "shell metacharacters" in rules(server(level, command="python; rm -rf /"))
        assert "dangerous executable" in rules(server(level, command="/usr/bin/sudo"))
        assert "control characters" in rules(server(level, args=["a\x00b"]))


def test_paths_by_level():
    assert rules(server("strict", command="./bin/server")) == {"relative command path"}
    assert rules(server("moderate", command="./bin/server")) == set()
    assert rules(server("moderate", args=["../../etc/passwd"])) == {"path traversal"}
    assert rules(server("permissive", args=["../data"])) == set()
    assert rules(server("strict", command="/usr/local/bin/node", args=["s.js"])) == set()


def test_command_on_path_is_checked_at_run_time_only_in_strict():
    s = server("strict", command="no-such-mcp-server-here")
    assert rules(s) == set() and rules(s, run_time=True) == {"command on PATH"}
    assert rules(server("moderate", command="no-such-mcp-server-here"), run_time=True) == set()


def test_allowed_executables_and_windows_suffixes():
    s = server("permissive", command="Python3.EXE",
               security={"allowed_executables": ["python3"]})
    assert rules(s) == set()
    s = server("permissive", command="node", security={"allowed_executables": ["python3"]})
    assert rules(s) == {"allowed_executables"}


def test_env_rules_and_filtering():
    env = {"GITHUB_TOKEN": "x", "LOG_LEVEL": "INFO", "CMD": "a; rm -rf /"}
    assert rules(server("strict", env=env)) == {"shell syntax in env value"}
    assert rules(server("moderate", env=env)) == {"shell syntax in env value"}
    # a strict server is not given credentials unless they are listed
    env = {"GITHUB_TOKEN": "x", "LOG_LEVEL": "INFO"}
    assert filtered_env(server("strict", env=env)) == {"LOG_LEVEL": "INFO"}
    assert withheld(server("strict", env=env)) == ["GITHUB_TOKEN"]
    assert filtered_env(server("strict", env=env, security={"env": {
        "allowed_vars": ["GITHUB_TOKEN", "LOG_LEVEL"]}})) == env
    assert filtered_env(server("moderate", env=env)) == env
    s = server("strict", env=env, security={"env": {"mode": "allowlist",
                                                   "allowed_vars": ["LOG_LEVEL"]}})
    assert filtered_env(s) == {"LOG_LEVEL": "INFO"} and rules(s) == set()
    s = server("moderate", env=env, security={"env": {"mode": "denylist",
                                                     "denied_vars": ["CMD", "GITHUB_TOKEN"]}})
    assert filtered_env(s) == {"LOG_LEVEL": "INFO"}


@pytest.mark.parametrize(("url", "level", "extra", "expected"), [
    ("https://api.example.com/mcp", "strict", {}, set()),
    ("http://api.example.com/mcp", "strict", {}, {"URL scheme"}),
    ("http://api.example.com/mcp", "moderate", {}, set()),
    ("ftp://example.com/file", "permissive", {}, {"URL scheme"}),
    ("http://localhost:8000/mcp", "moderate", {}, {"localhost"}),
    ("http://localhost:8000/mcp", "strict", {"allow_localhost": True}, set()),
    ("http://127.0.0.1:8000/mcp", "permissive", {}, set()),
    ("https://192.168.1.1/mcp", "moderate", {}, {"private address"}),
    ("https://192.168.1.1/mcp", "moderate", {"allow_private_ips": True}, set()),
    ("https://example.com:22/mcp", "permissive", {}, {"dangerous port"}),
    ("https://malicious.com/mcp", "moderate", {"allowed_hostnames": ["api.example.com"]},
     {"allowed_hostnames"}),
])
def test_url_rules(url, level, extra, expected):
    s = MCPServerConfig.model_validate({"name": "web", "type": "streamable-http", "url": url,
                                        "security": {"level": level, **extra}})
    assert rules(s) == expected


def test_massgen_level_names():
    assert server("high").security.level == "strict"  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        server("paranoid")


def test_violation_is_a_located_check_error(tmp_path, capsys):
    path = tmp_path / "agent.yaml"
    path.write_text("""\
agent:
  backend:
    type: claude
    mcp_servers:
      - name: files
        type: stdio
        command: bash
        args: ["-c", "npx server | tee log"]
        security:
          level: moderate
""")
    code = check(argparse.Namespace(config=str(path), strict=False, massgen=False))
    err = capsys.readouterr().err
    assert code == 1
    assert (f"{path}:7: agent.backend.mcp_servers[0].command: a shell (bash) runs arbitrary "
            "commands: allowed only at level permissive (rule: shell as command, security "
            "level moderate)") in err
    assert f"{path}:8: agent.backend.mcp_servers[0].args[1]: argument" in err
