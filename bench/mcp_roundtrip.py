"""An MCP tool call through agentplug (``MCPToolset.call``) vs the raw ``mcp`` ClientSession.

    .venv/bin/python bench/mcp_roundtrip.py [--calls 200]

Both talk to the same kind of stdio server (tests/mcp/servers/edge_server.py, tool ``echo``),
each to its own process, started once. Calls alternate between the two in blocks so that
drift on a busy machine hits both alike; the figure is the median per-call wall time of each,
and their ratio (target from the MCP issue: ≤ 1.1×).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "tests" / "mcp" / "servers" / "edge_server.py"
TARGET = 1.1
BLOCK = 20


async def main(calls: int) -> int:
    from mcp import ClientSession, StdioServerParameters, stdio_client

    sys.path.insert(0, str(ROOT))
    from agentplug.adapters.mcp import MCPToolset
    from agentplug.core.params import MCPServerConfig

    params = StdioServerParameters(command=sys.executable, args=[str(SERVER)])
    config = MCPServerConfig(name="edge", command=sys.executable, args=[str(SERVER)])
    samples: dict[str, list[float]] = {"raw": [], "agentplug": []}
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session, \
            MCPToolset([config]) as toolset:
        await session.initialize()
        await session.list_tools()  # as agentplug does at start (the SDK caches schemas)

        async def raw() -> None:
            await session.call_tool("echo", {"text": "ping"})

        async def ours() -> None:
            await toolset.call("mcp__edge__echo", {"text": "ping"})

        for fn in (raw, ours):  # warm up both paths
            for _ in range(BLOCK):
                await fn()
        for block in range(0, calls, BLOCK):
            order = [("raw", raw), ("agentplug", ours)]
            for name, fn in order if (block // BLOCK) % 2 == 0 else reversed(order):
                for _ in range(min(BLOCK, calls - block)):
                    start = time.perf_counter()
                    await fn()
                    samples[name].append(time.perf_counter() - start)
    raw_ms = statistics.median(samples["raw"]) * 1e3
    ours_ms = statistics.median(samples["agentplug"]) * 1e3
    ratio = ours_ms / raw_ms
    print("| measure | raw mcp ClientSession | agentplug MCPToolset | ratio | target |")
    print("|---|---|---|---|---|")
    print(f"| MCP tool round trip over stdio (median of {calls}) | {raw_ms:.2f} ms | "
          f"{ours_ms:.2f} ms | {ratio:.2f}× | ≤ {TARGET}× |")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    sys.exit(asyncio.run(main(parser.parse_args().calls)))
