"""A one-tool MCP server (stdio) for the tracing tests."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

server = MCPServer("trace-tools")


@server.tool()
def shout(text: str) -> str:
    """Upper-case the text."""
    return text.upper()


if __name__ == "__main__":
    server.run()
