"""``server_dicts``: the server configs as plain dicts for runtimes that start MCP servers
themselves (the Claude Code CLI)."""

from __future__ import annotations

from agentplug.adapters.mcp import server_dicts
from agentplug.core.params import MCPServerConfig


def test_server_dicts_in_the_mcp_json_shape():
    servers = [
        MCPServerConfig(name="files", command="npx", args=["-y", "server", "."],
                        env={"A": "1"}, cwd="data"),
        MCPServerConfig(name="plain", command="srv"),
        MCPServerConfig(name="web", type="streamable-http", url="http://h/mcp",
                        headers={"Authorization": "Bearer t"}),
        MCPServerConfig(name="alias", type="http", url="http://h/mcp"),
        MCPServerConfig(name="old", type="sse", url="http://h/sse"),
    ]
    assert server_dicts(servers, cwd="/work") == {
        "files": {"type": "stdio", "command": "npx", "args": ["-y", "server", "."],
                  "env": {"A": "1"}, "cwd": "/work/data"},
        "plain": {"type": "stdio", "command": "srv", "args": [], "cwd": "/work"},
        "web": {"type": "http", "url": "http://h/mcp",
                "headers": {"Authorization": "Bearer t"}},
        "alias": {"type": "http", "url": "http://h/mcp"},
        "old": {"type": "sse", "url": "http://h/sse"},
    }
    assert server_dicts(servers[1:2]) == {"plain": {"type": "stdio", "command": "srv",
                                                    "args": []}}
