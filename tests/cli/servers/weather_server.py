"""A real stdio MCP server with one tool, for the chat tests."""

from mcp.server.mcpserver import MCPServer

server = MCPServer("weather")


@server.tool()
def forecast(city: str) -> str:
    """Tomorrow's weather for a city."""
    return f"{city}: 21 °C, clear"


if __name__ == "__main__":
    server.run()
