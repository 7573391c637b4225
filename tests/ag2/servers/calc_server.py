"""A real stdio MCP server with one tool, for the AG2 tests."""

from mcp.server.mcpserver import MCPServer

server = MCPServer("calc")


@server.tool()
def multiply(a: int, b: int) -> str:
    """Multiply two integers."""
    return str(a * b)


if __name__ == "__main__":
    server.run()
