"""A one-tool MCP server (stdio) for the fallback tests."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

server = MCPServer("notes")


@server.tool()
def note(text: str) -> str:
    """Keep a note."""
    return f"noted: {text}"


if __name__ == "__main__":
    server.run()
