"""Fixtures for the MCP bridge tests: our edge-case server over streamable HTTP and SSE."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("mcp")

from mcp_support import EDGE, free_port  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _backends_warmed_up():
    """One plain turn per backend these tests drive, before any test's loop runs: the
    provider SDKs import most of their modules lazily, on the first client and the first
    request, which can stall a test's loop past the suite's slow-callback limit when this
    directory runs alone (in the full suite, earlier tests have imported them)."""
    import asyncio
    from contextlib import suppress

    from agentplug import create_agent
    from agentplug.testing import (
        AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, Reply, ResponsesSimulator,
    )

    async def warm() -> None:
        for sim_type, backend, model in (
                (ChatCompletionsSimulator, "chatcompletion", "m"),
                (ResponsesSimulator, "openai", "gpt-5"),
                (AnthropicSimulator, "claude", "claude-sonnet-4-6"),
                (GeminiSimulator, "gemini", "gemini-2.5-flash")):
            with sim_type(Reply("warm")) as sim, suppress(Exception):
                # best effort: a missing SDK makes its own tests skip or fail, not this
                config = {"type": backend, "model": model, "base_url": sim.base_url,
                          "max_retries": 0, "api_key": "warm-up"}
                async with create_agent(config) as agent:
                    await agent.run("hi")

    asyncio.run(warm())


def _serve(flag: str, path: str):
    """Our edge server on a network transport, on a free 127.0.0.1 port; yields its URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, EDGE, flag, str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"edge server exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("edge server did not listen within 30 s") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


@pytest.fixture(scope="module")
def edge_http():
    """The edge server over streamable HTTP; its URL."""
    yield from _serve("--http", "/mcp")


@pytest.fixture(scope="module")
def edge_sse():
    """The edge server over the legacy SSE transport; its URL."""
    yield from _serve("--sse", "/sse")
