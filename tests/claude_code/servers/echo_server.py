"""A tiny stdio MCP server for the Claude Code tests (mcp 2.x API)."""

from mcp.server.mcpserver import MCPServer

server = MCPServer("echo")


@server.tool(description="Return the text in upper case.")
def shout(text: str) -> str:
    return text.upper() + "!"


if __name__ == "__main__":
    server.run()
