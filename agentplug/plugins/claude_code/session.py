"""One Claude Code CLI session, owned by a worker thread with its own event loop.

Why a thread: ``ClaudeSDKClient`` keeps an anyio task group open from ``connect`` to
``disconnect`` and must be closed by the task that opened it, while an agent may be streamed,
cancelled and closed from different tasks; and the SDK parses the CLI's (large) JSON lines
on the loop it runs on, which stalled the caller's loop by up to half a second. So the client
lives in its own loop: prompts go in through an inbox, SDK messages come back to the caller's
loop through an outbox, and agentplug tools called by the CLI run back on the caller's loop.

Closing cancels a running turn through an anyio cancel scope (the SDK's shielded cleanup then
still runs: stdin EOF, SIGTERM, SIGKILL) and disconnects, which ends the CLI process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

_TURN_END = object()
_CLOSE = object()
JOIN_TIMEOUT = 30.0  # the SDK's own cleanup is bounded by ~20 s (EOF, SIGTERM, SIGKILL)
INTERRUPT_TIMEOUT = 3.0  # seconds for the CLI to stop a running turn before it is cancelled


class SessionClosedError(Exception):
    """The CLI session ended while a turn was running."""


class Session:
    def __init__(self, make_options: Callable[[Callable[..., Awaitable[Any]]], Any]) -> None:
        """``make_options(bridge)`` builds the SDK options inside the worker's loop;
        ``bridge(coro_fn, *args)`` runs a coroutine function on the caller's loop."""
        self._make_options = make_options
        self.pid: int | None = None
        self._caller: asyncio.AbstractEventLoop | None = None
        self._worker: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._outbox: asyncio.Queue[Any] = asyncio.Queue()
        self._inbox: asyncio.Queue[Any] | None = None  # created in the worker's loop
        self._scope: Any = None  # the anyio cancel scope of the running turn
        self._client: Any = None
        self._stopper: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._closing

    async def start(self) -> None:
        self._caller = asyncio.get_running_loop()
        ready: asyncio.Future[None] = self._caller.create_future()
        self._thread = threading.Thread(target=self._main, args=(ready,), daemon=True,
                                        name="claude-code-session")
        self._thread.start()
        try:
            await ready
        except BaseException:
            await self.close()
            raise

    # the worker thread -------------------------------------------------------------------
    def _main(self, ready: asyncio.Future[None]) -> None:
        asyncio.run(self._run(ready))

    def _to_caller(self, fn: Callable[..., Any], *args: Any) -> None:
        assert self._caller is not None
        with contextlib.suppress(RuntimeError):  # the caller's loop is gone: nobody listens
            self._caller.call_soon_threadsafe(fn, *args)

    async def _bridge(self, fn: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> Any:
        assert self._caller is not None
        future: concurrent.futures.Future[Any] = asyncio.run_coroutine_threadsafe(
            fn(*args), self._caller)
        return await asyncio.wrap_future(future)

    async def _run(self, ready: asyncio.Future[None]) -> None:
        import anyio
        from claude_agent_sdk import ClaudeSDKClient

        self._worker = asyncio.get_running_loop()
        self._inbox = asyncio.Queue()
        started = False
        try:
            async with ClaudeSDKClient(self._make_options(self._bridge)) as client:
                self.pid, self._client = _cli_pid(client), client
                started = True
                self._to_caller(_resolve, ready, None)
                while (prompt := await self._inbox.get()) is not _CLOSE:
                    with anyio.CancelScope() as self._scope:
                        await client.query(prompt)
                        async for message in client.receive_response():
                            self._to_caller(self._outbox.put_nowait, message)
                        self._to_caller(self._outbox.put_nowait, _TURN_END)
                    self._scope = None
        except BaseException as exc:  # reaches the caller of start() or of the running turn
            if not started:
                self._to_caller(_resolve, ready, exc)
            else:
                self._to_caller(self._outbox.put_nowait, exc)
        finally:
            if not started:
                self._to_caller(_resolve, ready, SessionClosedError("the session stopped"))
            self._to_caller(self._outbox.put_nowait,
                            SessionClosedError("the Claude Code session ended"))

    # the caller's side -------------------------------------------------------------------
    async def turn(self, prompt: str) -> AsyncIterator[Any]:
        """Send one prompt; yield the SDK messages up to and including its result."""
        if not self.alive or self._worker is None or self._inbox is None:
            raise SessionClosedError("the Claude Code session is not running")
        self._worker.call_soon_threadsafe(self._inbox.put_nowait, prompt)
        while (item := await self._outbox.get()) is not _TURN_END:
            if isinstance(item, BaseException):
                raise item
            yield item

    async def close(self) -> None:
        """Stop the worker: the SDK disconnects, which ends the CLI process."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._closing = True
        worker, inbox = self._worker, self._inbox
        if worker is not None and inbox is not None:
            with contextlib.suppress(RuntimeError):  # the worker's loop already finished
                worker.call_soon_threadsafe(self._stop_turn)
                worker.call_soon_threadsafe(inbox.put_nowait, _CLOSE)
        # Waiting for the thread must not block the caller's loop.
        await asyncio.shield(asyncio.to_thread(thread.join, JOIN_TIMEOUT))

    def _stop_turn(self) -> None:
        if self._scope is not None and self._stopper is None:
            self._stopper = asyncio.get_running_loop().create_task(self._interrupt(self._scope))

    async def _interrupt(self, scope: Any) -> None:
        """Ask the CLI to stop the turn (it then exits at once on disconnect; a CLI still
        busy would get 5 s of grace before SIGTERM), else cancel the turn."""
        import anyio

        with contextlib.suppress(Exception), anyio.move_on_after(INTERRUPT_TIMEOUT):
            await self._client.interrupt()
        scope.cancel()


def _resolve(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


def _cli_pid(client: Any) -> int | None:
    """The CLI's process id, for callers that check that no process outlives the agent."""
    process = getattr(getattr(client, "_transport", None), "_process", None)
    return getattr(process, "pid", None)
