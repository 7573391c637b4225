"""An MCP server (stdio) that misbehaves on request: garbage on stdout between messages,
huge results, calls that never answer, an exit in the middle of a call."""

from __future__ import annotations

import asyncio
import os
import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("hostile")
GARBAGE = [b"this is not JSON-RPC\n", b"{\"jsonrpc\": \"2.0\", \"id\": \n", b"\x00\xff\xfe\n",
           b"{\"jsonrpc\": \"2.0\", \"id\": 999999, \"result\": {}}\n", b"[]\n", b"\n"]


@server.tool()
def ok() -> str:
    """Answers at once."""
    return "ok"


@server.tool()
def garbage(lines: int = 3) -> str:
    """Writes non-protocol lines to stdout, then answers."""
    out = sys.stdout.buffer
    for i in range(max(0, min(lines, 200))):
        out.write(GARBAGE[i % len(GARBAGE)])
    out.flush()
    return "answered after garbage"


@server.tool()
def huge(megabytes: float = 1.0) -> str:
    """A result of this many megabytes."""
    return "x" * int(max(0.0, min(megabytes, 16.0)) * 1_000_000)


@server.tool()
async def hang() -> str:
    """Never answers."""
    await asyncio.sleep(3600)
    return "too late"


@server.tool()
async def die() -> str:
    """Exits in the middle of the call."""
    await asyncio.sleep(0.05)
    os._exit(3)


if __name__ == "__main__":
    server.run()
