"""One MCP server: started once, kept up across turns, restarted after a crash, stopped cleanly.

The SDK's transports and ``ClientSession`` are anyio context managers that must be entered and
left by the same task. Each connection therefore runs in its own task (the *runner*): it opens
the transport and the session, lists the tools, reports ready, then waits for ``stop()``. Tool
calls go through the session from any task. Cancelling the runner (``stop()``, Ctrl-C, the
event loop shutting down) unwinds the transport's shutdown: stdin closed, then SIGTERM and
SIGKILL to the server's whole process group, so no child process outlives the agent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, Literal

from ...core.errors import AgentplugError
from ...core.params import MCPServerConfig
from .transport import StderrLog, open_transport

Status = Literal["stopped", "starting", "ready", "failed", "unavailable"]
# Consecutive failed calls (crashes, failed restarts) after which a server is given up on.
MAX_FAILURES = 3
_TIMEOUT_CODE = -32001  # mcp_types.REQUEST_TIMEOUT
_CLOSED_CODE = -32000  # mcp_types.CONNECTION_CLOSED


class MCPServerError(AgentplugError):
    """An MCP server could not start, or died; ``stderr`` holds the last lines it wrote."""

    def __init__(self, server: str, message: str, stderr: str = "") -> None:
        self.server, self.stderr = server, stderr
        tail = "\n  stderr: " + stderr.replace("\n", "\n  ") if stderr else ""
        super().__init__(f"MCP server {server!r}: {message}{tail}")


class ToolCallError(AgentplugError):
    """A tool call that did not produce a result (timeout, server gone); shown to the model."""


class ServerConnection:
    def __init__(self, config: MCPServerConfig, *, cwd: str | None = None,
                 max_failures: int = MAX_FAILURES,
                 on_notice: Callable[[str], None] | None = None) -> None:
        self.config = config
        self.cwd = cwd
        self.max_failures = max_failures
        self.status: Status = "stopped"
        self.error: MCPServerError | None = None
        self.failures = 0
        self.restarts = 0
        self.tools: list[Any] = []  # mcp.types.Tool, as listed at the first start
        self.session: Any = None
        self._on_notice = on_notice or (lambda message: None)
        self._runner: asyncio.Task[None] | None = None
        self._death_reported = False  # one report (and one failure counted) per server life
        self._exit_stderr = ""
        self._stop = asyncio.Event()
        self._lock = asyncio.Lock()

    @property
    def name(self) -> str:
        return self.config.name

    # lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the server and list its tools; raise MCPServerError with its stderr tail."""
        async with self._lock:
            await self._start()

    async def _start(self) -> None:
        self.status = "starting"
        self._stop = asyncio.Event()
        ready: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._runner = asyncio.create_task(self._run(ready), name=f"mcp:{self.name}")
        try:
            tools = await ready
        except MCPServerError as exc:
            await self._join_runner()
            self.status, self.error = "failed", exc
            raise
        except asyncio.CancelledError:  # Ctrl-C while starting: the server goes too
            self.status = "stopped"
            runner, self._runner = self._runner, None
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            raise
        if not self.tools:
            self.tools = tools
        self.status, self.error = "ready", None
        self._death_reported = False

    async def _run(self, ready: asyncio.Future[list[Any]]) -> None:
        import anyio
        from mcp import ClientSession

        log = StderrLog() if self.config.type == "stdio" else None
        stop, exited = self._stop, False

        def on_end() -> None:  # the server closed the connection (it exited, most likely)
            nonlocal exited
            if not stop.is_set():
                exited = True
                stop.set()

        try:
            transport = open_transport(self.config, cwd=self.cwd,
                                       stderr=log.writer if log else None)
            async with transport as streams, \
                    ClientSession(_EndWatch(streams[0], on_end), streams[1]) as session:
                # anyio scopes must nest: the deadline lives inside the session's.
                with anyio.fail_after(self.config.startup_timeout):
                    await session.initialize()
                    tools = await _list_tools(session)
                self.session = session
                ready.set_result(tools)
                await stop.wait()
        except BaseException as exc:  # noqa: BLE001 (reported through `ready`, or re-raised)
            if not ready.done():
                ready.set_exception(MCPServerError(self.name, _describe(exc, self.config),
                                                   log.tail() if log else ""))
            elif isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            self.session = None
            if exited and self.status == "ready":
                # Reported by whichever call notices first (one in flight, or the next).
                self.status, self._exit_stderr = "failed", log.tail() if log else ""
            if log is not None:
                log.close()

    async def stop(self) -> None:
        """Stop the server (idempotent); waits for its process to be gone."""
        async with self._lock:
            await self._stop_runner()
            if self.status in ("ready", "starting"):
                self.status = "stopped"

    async def _stop_runner(self) -> None:
        self._stop.set()
        await self._join_runner()

    async def _join_runner(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        try:
            # The transport bounds its shutdown (2 s grace, then SIGTERM, SIGKILL); this bound
            # only guards against a runner that never got to its shutdown.
            await asyncio.wait_for(asyncio.shield(runner), timeout=10)
        except TimeoutError:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        except asyncio.CancelledError:
            if runner.done():
                raise
            runner.cancel()  # we are being cancelled (Ctrl-C): take the server down with us
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            raise

    # calls -------------------------------------------------------------------------------
    async def call(self, tool: str, arguments: dict[str, Any]) -> Any:
        """Call a tool; the ``CallToolResult``, or ToolCallError for the model to see."""
        session = await self._usable_session()
        try:
            result = await session.call_tool(tool, arguments,
                                             read_timeout_seconds=self.config.timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 (every failure becomes the model's tool error)
            raise await self._call_failed(tool, exc) from exc
        self.failures = 0
        return result

    async def _usable_session(self) -> Any:
        async with self._lock:
            if self.status != "unavailable" and (self.session is None
                                                 or self.status != "ready"):
                if self._note_death():  # it exited between calls: nobody has said so yet
                    tail = self._exit_stderr.replace("\n", "\n  ")
                    self._on_notice(f"MCP server {self.name!r} exited since its last call"
                                    + (f"\n  stderr: {tail}" if tail else "")
                                    + self._retry_note())
                if self.status != "unavailable":
                    await self._restart()
            if self.status == "unavailable":
                raise ToolCallError(f"MCP server {self.name!r} is unavailable after "
                                    f"{self.failures} consecutive failures")
            return self.session

    async def _restart(self) -> None:
        await self._stop_runner()
        self.restarts += 1
        self._on_notice(f"MCP server {self.name!r}: restarting (restart {self.restarts})")
        try:
            await self._start()
        except MCPServerError as exc:
            self._count_failure()
            raise ToolCallError(f"{exc} (restart failed)") from exc

    async def _call_failed(self, tool: str, exc: Exception) -> ToolCallError:
        code = getattr(exc, "code", None)
        if code == _TIMEOUT_CODE:
            # A slow tool is not a dead server: the session stays up.
            return ToolCallError(f"MCP tool {tool!r} on server {self.name!r} timed out after "
                                 f"{self.config.timeout:g} s")
        if code is not None and code != _CLOSED_CODE:
            # A protocol error answer (unknown tool, invalid params): the server is fine.
            return ToolCallError(f"MCP server {self.name!r} refused {tool!r}: {exc}")
        if code is None and not _is_transport_error(exc):
            # The server answered, but not usably (structured content against its own output
            # schema, a result shape the SDK rejects): the tool's problem, not the server's.
            return ToolCallError(f"MCP tool {tool!r} on server {self.name!r} gave an unusable "
                                 f"result: {type(exc).__name__}: {exc}")
        async with self._lock:
            await self._stop_runner()
            first = self._note_death()
        what = (f"MCP server {self.name!r} died during a call to {tool!r}" if code
                else f"MCP call {tool!r} on server {self.name!r} failed: "
                     f"{type(exc).__name__}: {exc}")
        if first:
            self._on_notice(what + self._retry_note())
        return ToolCallError(what)

    def _note_death(self) -> bool:
        """Count this server life's end as a failure, once; False if already counted."""
        if self._death_reported or self.status not in ("ready", "failed"):
            return False
        self._death_reported = True
        self.status = "failed"
        self._count_failure()
        return True

    def _count_failure(self) -> None:
        self.failures += 1
        if self.failures >= self.max_failures:
            self.status = "unavailable"

    def _retry_note(self) -> str:
        if self.status == "unavailable":
            return f"; marked unavailable after {self.failures} consecutive failures"
        return "; it will be restarted on next use"


def _is_transport_error(exc: BaseException) -> bool:
    """Whether ``exc`` says the connection to the server is gone."""
    import anyio

    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return isinstance(exc, (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError,
                            anyio.EndOfStream)) or type(exc).__module__.startswith("httpx")


class _EndWatch:
    """The transport's read stream, calling ``on_end`` when it ends: a server that exits
    between calls is then restarted by the next call instead of failing it."""

    def __init__(self, inner: Any, on_end: Callable[[], None]) -> None:
        self._inner, self._on_end = inner, on_end

    @property
    def last_context(self) -> Any:
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> Any:
        import anyio

        try:
            return await self._inner.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            self._on_end()
            raise

    def __aiter__(self) -> _EndWatch:
        return self

    async def __anext__(self) -> Any:
        import anyio

        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> _EndWatch:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _list_tools(session: Any) -> list[Any]:
    from mcp.types import PaginatedRequestParams

    tools: list[Any] = []
    cursor: str | None = None
    for _ in range(100):  # a server that paginates forever cannot hang the start
        params = PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await session.list_tools(params=params)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


def _describe(exc: BaseException, config: MCPServerConfig) -> str:
    """The root cause of a failed start, in words."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, TimeoutError):
        return f"did not start within startup_timeout ({config.startup_timeout:g} s)"
    if isinstance(exc, FileNotFoundError) and config.type == "stdio":
        detail = str(exc) if "cwd" in str(exc) else f"command not found: {config.command!r}"
        return f"could not start: {detail}"
    if getattr(exc, "code", None) == _CLOSED_CODE:
        return "exited before it answered (see its stderr)"
    if isinstance(exc, asyncio.CancelledError):
        return "start cancelled"
    where = f" at {config.url}" if config.url else ""
    return f"could not start{where}: {type(exc).__name__}: {exc}"
