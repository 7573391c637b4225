"""A small MCP server (mcp 2.x ``MCPServer``) with the edge cases the bridge must handle.

    python edge_server.py [--name N] [--http PORT | --sse PORT] [--fail-start]
                          [--stall-start] [--bad-tools] [--pid-file PATH]
                          [--rendezvous DIR --peers N]

stdio by default; ``--http PORT`` serves streamable HTTP on 127.0.0.1:PORT, ``--sse PORT``
the legacy SSE transport. ``--rendezvous DIR`` waits (up to 30 s) until N servers have
checked in there before serving: it proves servers were started together. ``--fail-start``
writes to stderr and exits before serving; ``--stall-start`` never answers ``initialize``;
``--bad-tools`` adds two tools no provider could accept; ``--pid-file`` records the PID.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
import time
from typing import Any

# The failure modes come first, before the SDK's ~1 s import, so their tests stay quick.
if "--fail-start" in sys.argv:
    sys.stderr.write("edge server: cannot open the database (on purpose)\n")
    sys.exit(2)
if "--stall-start" in sys.argv:
    time.sleep(3600)

from mcp.server.mcpserver import Image, MCPServer  # noqa: E402
from mcp.server.mcpserver.exceptions import ToolError  # noqa: E402
from mcp.types import EmbeddedResource, TextContent, TextResourceContents, Tool  # noqa: E402

# A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


class EdgeServer(MCPServer):
    bad_tools = False

    async def list_tools(self) -> list[Tool]:
        tools = await super().list_tools()
        for tool in tools:  # promise structured content that `wrong_shape` never sends
            if tool.name == "wrong_shape":
                tool.output_schema = {"type": "object", "required": ["n"],
                                      "properties": {"n": {"type": "integer"}}}
        if self.bad_tools:
            tools += [
                Tool(name="a_name_far_too_long_for_any_provider_" + "x" * 40,
                     description="its prefixed name is over 64 characters",
                     input_schema={"type": "object"}),
                Tool(name="broken_schema", description="not valid JSON Schema",
                     input_schema={"type": "object", "properties": {"x": {"type": 12}}}),
            ]
        return tools


server = EdgeServer("edge")


@server.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return text


@server.tool()
def add(a: int, b: int) -> dict[str, int]:
    """Add two integers (structured result)."""
    return {"sum": a + b}


@server.tool()
def fail(message: str = "it broke") -> str:
    """Raise an error inside the tool."""
    raise ToolError(message)


@server.tool()
async def slow(seconds: float) -> str:
    """Sleep, then answer."""
    await asyncio.sleep(seconds)
    return f"slept {seconds}"


@server.tool()
def crash() -> str:
    """Kill the server process in the middle of the call."""
    sys.stderr.write("edge server: crashing on purpose\n")
    sys.stderr.flush()
    os._exit(3)


@server.tool()
async def exit_soon() -> str:
    """Answer, then exit: the server dies between calls."""
    def leave() -> None:
        sys.stderr.write("edge server: leaving between calls\n")
        sys.stderr.flush()
        os._exit(0)

    asyncio.get_running_loop().call_later(0.2, leave)
    return "bye"


@server.tool(structured_output=False)
def wrong_shape() -> str:
    """Breaks its own output schema (see list_tools)."""
    return "no structure here"


@server.tool()
def pid() -> str:
    """The server's process id."""
    return str(os.getpid())


@server.tool()
def cwd() -> str:
    """The server's working directory."""
    return os.getcwd()


@server.tool()
def env(name: str) -> str:
    """An environment variable of the server."""
    return os.environ.get(name, "<unset>")


@server.tool(structured_output=False)
def picture() -> list[Any]:
    """Some text and a PNG image."""
    return ["a tiny picture", Image(data=PNG, format="png")]


@server.tool()
def document() -> EmbeddedResource:
    """An embedded text resource."""
    return EmbeddedResource(type="resource", resource=TextResourceContents(
        uri="file:///notes.txt", mime_type="text/plain", text="remember the milk"))


@server.tool()
def mixed() -> list[TextContent]:
    """Two text blocks."""
    return [TextContent(type="text", text="one"), TextContent(type="text", text="two")]


@server.tool(name="dotted.name")
def dotted() -> str:
    """A name with a dot: valid in MCP, not for model providers."""
    return "dotted tool ran"


def rendezvous(directory: str, peers: int) -> None:
    open(os.path.join(directory, str(os.getpid())), "w").close()
    deadline = time.monotonic() + 30
    while len(os.listdir(directory)) < peers and time.monotonic() < deadline:
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="edge")
    parser.add_argument("--http", type=int)
    parser.add_argument("--fail-start", action="store_true")
    parser.add_argument("--stall-start", action="store_true")
    parser.add_argument("--bad-tools", action="store_true")
    parser.add_argument("--pid-file")
    parser.add_argument("--sse", type=int)
    parser.add_argument("--rendezvous")
    parser.add_argument("--peers", type=int, default=2)
    args = parser.parse_args()
    if args.pid_file:
        with open(args.pid_file, "a") as f:
            f.write(f"{os.getpid()}\n")
    if args.rendezvous:
        rendezvous(args.rendezvous, args.peers)
    EdgeServer.bad_tools = args.bad_tools
    if args.http:
        server.run("streamable-http", host="127.0.0.1", port=args.http)
    elif args.sse:
        server.run("sse", host="127.0.0.1", port=args.sse)
    else:
        server.run()


if __name__ == "__main__":
    main()
