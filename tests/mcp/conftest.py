"""Fixtures for the MCP bridge tests: our edge-case server over streamable HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("mcp")

from mcp_support import EDGE, free_port  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _sdks_imported():
    """Import the provider SDKs before any event loop runs: a first import inside a test's
    loop (the backends import lazily) can stall it past the suite's slow-callback limit."""
    import importlib
    from contextlib import suppress

    for name in ("openai", "anthropic", "google.genai", "httpx2"):
        with suppress(ImportError):
            importlib.import_module(name)


@pytest.fixture(scope="module")
def edge_http():
    """Our edge server over streamable HTTP on a free 127.0.0.1 port; its URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, EDGE, "--http", str(port)],
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
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()
