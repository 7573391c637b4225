"""The ``mcp`` transport for one server config: stdio, streamable HTTP (``http``) or SSE.

stdio servers run through agentplug's own transport (``stdio.py``: results of any size without
stalling the event loop) with the SDK's safe environment (PATH, HOME, ...) plus the config's
``env``, in the config's ``cwd``. Their stderr goes to a temporary file, so that a server that
fails to start can be reported with the last lines it wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import IO, Any

from ...core.params import MCPServerConfig
from .stdio import stdio_transport

STDERR_TAIL_BYTES = 2000
# HTTP servers may hold a response stream open for long-running tools: the read timeout is the
# per-call timeout's job (enforced by the session), not the HTTP client's.
HTTP_CONNECT_TIMEOUT = 10.0


def server_cwd(config: MCPServerConfig, base: str | None) -> str | None:
    """The server's working directory: its own ``cwd`` (relative to the backend's), else the
    backend's ``cwd``, else this process's."""
    if config.cwd:
        path = Path(config.cwd).expanduser()
        return str(path if path.is_absolute() or not base else Path(base) / path)
    return base


def open_transport(config: MCPServerConfig, *, cwd: str | None, stderr: IO[bytes] | None
                   ) -> AbstractAsyncContextManager[Any]:
    """The SDK transport context manager (yields a read and a write stream)."""
    if config.type == "stdio":
        assert config.command is not None  # the params model checks it
        if cwd is not None and not os.path.isdir(cwd):
            raise FileNotFoundError(f"cwd {cwd!r} is not a directory")
        # `~` is not expanded by exec: a config may say ~/.cache/.../bin/server
        command = os.path.expanduser(config.command)
        if sys.platform == "win32":  # the SDK's transport knows Windows' process jobs
            from mcp import StdioServerParameters, stdio_client

            params = StdioServerParameters(command=command, args=list(config.args),
                                           env=dict(config.env) or None, cwd=cwd)
            return stdio_client(params, errlog=stderr)  # type: ignore[arg-type]
        return stdio_transport(command, list(config.args), env=dict(config.env), cwd=cwd,
                               stderr=stderr)
    assert config.url is not None
    if config.type == "sse":
        from mcp.client.sse import sse_client

        return sse_client(config.url, headers=dict(config.headers) or None,
                          timeout=HTTP_CONNECT_TIMEOUT, sse_read_timeout=config.timeout + 300)
    return _streamable_http(config)


def _streamable_http(config: MCPServerConfig) -> AbstractAsyncContextManager[Any]:
    from contextlib import asynccontextmanager

    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    @asynccontextmanager
    async def connect() -> Any:
        timeout = httpx2.Timeout(HTTP_CONNECT_TIMEOUT, read=config.timeout + 300)
        # A new client loads the CA bundle (~0.1 s of blocking work): not on the event loop.
        http = await asyncio.to_thread(httpx2.AsyncClient, headers=dict(config.headers),
                                       timeout=timeout)
        async with http, streamable_http_client(str(config.url), http_client=http) as streams:
            yield streams[0], streams[1]

    return connect()


class StderrLog:
    """A server's stderr, in a temporary file.

    The child gets its own append-mode descriptor and the tail is read through a fresh one:
    sharing one descriptor (and so one file offset) with a writing child would let a read's
    seek move where the child writes.
    """

    def __init__(self) -> None:
        fd, self.path = tempfile.mkstemp(prefix="agentplug-mcp-", suffix=".stderr")
        os.close(fd)
        self.writer: IO[bytes] = open(self.path, "ab")  # noqa: SIM115 (closed in close())

    def tail(self, limit: int = STDERR_TAIL_BYTES) -> str:
        """The last ``limit`` bytes the server wrote, as text."""
        try:
            with open(self.path, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                f.seek(max(0, size - limit))
                data = f.read()
        except OSError:
            return ""
        text = data.decode("utf-8", "replace").strip()
        return ("…" + text) if size > limit else text

    def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)
