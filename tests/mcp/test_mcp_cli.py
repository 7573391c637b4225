"""``agentplug mcp list -c CONFIG``: server status, the tools each agent sees after filtering,
and clear errors."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from agentplug.cli import main

from mcp_support import EDGE

CONFIG = textwrap.dedent("""\
    agents:
      - id: reader
        backend:
          type: chatcompletion
          model: sim-model
          base_url: http://127.0.0.1:9/v1
          allowed_tools: ["echo", "mcp__edge__add", "mcp__nowhere__*", "ech0"]
          mcp_servers:
            - name: edge
              command: ${PYTHON_FOR_MCP}
              args: ["${EDGE_SERVER}"]
            - name: db
              command: ${PYTHON_FOR_MCP}
              args: ["${EDGE_SERVER}", "--fail-start"]
      - id: plain
        backend: {type: chatcompletion, model: sim-model, base_url: "http://127.0.0.1:9/v1"}
""")


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHON_FOR_MCP", sys.executable)
    monkeypatch.setenv("EDGE_SERVER", EDGE)

    def write(text: str = CONFIG) -> str:
        path = tmp_path / "agents.yaml"
        path.write_text(text)
        return str(path)
    return write


def test_list_shows_status_tools_and_warnings(config, capsys):
    code = main(["mcp", "list", "-c", config()])
    out = capsys.readouterr().out
    assert code == 1  # a server failed
    lines = out.splitlines()
    assert lines[0] == "agent 'reader' (chatcompletion): 2 MCP servers"
    assert lines[1] == "  edge (stdio): ready, 2 tools"
    assert lines[2:4] == ["    mcp__edge__echo", "    mcp__edge__add"]
    assert lines[4].startswith("    (not offered: fail, slow, crash, ")
    assert lines[5] == "  db (stdio): failed"
    assert "exited before it answered" in lines[6]
    assert "cannot open the database (on purpose)" in out  # its stderr
    assert ("  warning: backend allowed_tools: 'ech0' matches no MCP tool; available: "
            "mcp__edge__add, mcp__edge__crash, ") in out
    assert "mcp__nowhere__*" in out  # no such server: warned about too
    assert "agent 'plain'" in out and "0 MCP servers" in out


def test_list_one_agent_as_json(config, capsys):
    path = config(CONFIG.replace("""        - name: db
          command: ${PYTHON_FOR_MCP}
          args: ["${EDGE_SERVER}", "--fail-start"]
""", ""))
    assert main(["mcp", "list", "-c", path, "--agent", "reader", "--json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert report["agent"] == "reader"
    (server,) = report["servers"]
    assert server["status"] == "ready"
    assert server["tools"] == ["mcp__edge__echo", "mcp__edge__add"]


def test_a_required_server_that_fails_is_an_error(config, capsys):
    path = config(CONFIG.replace('"--fail-start"]', '"--fail-start"]\n          required: true'))
    assert main(["mcp", "list", "-c", path]) == 1
    err = capsys.readouterr().err
    assert err.startswith("agentplug: error: MCP server 'db': exited before it answered")
    assert "cannot open the database" in err


def test_config_errors_are_located(config, capsys):
    bad = CONFIG.replace('          command: ${PYTHON_FOR_MCP}\n          args: ["${EDGE_SERVER}"]',
                         "          type: stdio")
    path = config(bad)
    assert main(["mcp", "list", "-c", path]) == 1
    err = capsys.readouterr().err
    assert f"{path}:9: agents[0].backend.mcp_servers[0]" in err
    assert "type stdio needs `command`" in err


def test_a_config_without_servers(config, capsys):
    path = config("agent:\n  backend: {type: chatcompletion, model: m, "
                  "base_url: 'http://127.0.0.1:9/v1'}\n")
    assert main(["mcp", "list", "-c", path]) == 0
    assert capsys.readouterr().out.strip().endswith("no agent has mcp_servers")


def test_the_example_config_runs(edge_http, tmp_path, monkeypatch, capsys):
    """examples/mcp.yaml with its three servers: npm filesystem, PyPI time, and an HTTP one
    (our edge server stands in for the search server)."""
    import importlib.util
    from pathlib import Path

    from mcp_support import NPM_BIN, require_npm_server

    require_npm_server("mcp-server-filesystem")
    if importlib.util.find_spec("mcp_server_time") is None:
        pytest.skip("mcp-server-time is not installed: run scripts/setup.d/20-mcp-servers.sh")
    (tmp_path / "a.txt").write_text("hello")
    monkeypatch.setenv("WORKSPACE", str(tmp_path))
    monkeypatch.setenv("MCP_BIN", str(NPM_BIN))
    monkeypatch.setenv("PYTHON", sys.executable)
    monkeypatch.setenv("SEARCH_MCP_URL", edge_http)
    example = Path(__file__).resolve().parents[2] / "examples" / "mcp.yaml"
    assert main(["mcp", "list", "-c", str(example), "--json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    servers = {s["name"]: s for s in report["servers"]}
    assert {s["status"] for s in servers.values()} == {"ready"}
    assert "mcp__files__read_text_file" in servers["files"]["tools"]
    assert not any("write" in t for t in servers["files"]["tools"])
    assert "mcp__time__get_current_time" in servers["time"]["tools"]
    assert "mcp__search__echo" in servers["search"]["tools"]


def test_two_servers_with_one_name_are_a_config_error(config, capsys):
    path = config(CONFIG.replace("- name: db", "- name: edge"))
    assert main(["mcp", "list", "-c", path]) == 1
    err = capsys.readouterr().err
    assert f"{path}:3: agents[0].backend: Value error, two MCP servers are named 'edge'" in err
