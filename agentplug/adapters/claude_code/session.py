"""One Claude Code CLI session, owned by one asyncio task.

``ClaudeSDKClient`` keeps an anyio task group open from ``connect`` to ``disconnect`` and must
be closed by the task that opened it. An agent, though, may be streamed, cancelled and closed
from different tasks; so a dedicated worker task owns the client, takes prompts from an inbox
and hands every SDK message back through an outbox. Closing stops the worker, which
disconnects the client and so ends the CLI process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

_TURN_END = object()
_CLOSE = object()
CLOSE_TIMEOUT = 10.0  # seconds to wait for the SDK to stop the CLI before cancelling harder


class SessionClosedError(Exception):
    """The CLI session ended while a turn was running."""


class Session:
    def __init__(self, options: Any) -> None:
        self.options = options
        self.pid: int | None = None
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._outbox: asyncio.Queue[Any] = asyncio.Queue()
        self._ready: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._busy = False  # a turn is running: the worker is not reading the inbox

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self._task = loop.create_task(self._run(), name="claude-code-session")
        try:
            await asyncio.shield(self._ready)
        except BaseException:
            await self.close()
            raise

    async def _run(self) -> None:
        from claude_agent_sdk import ClaudeSDKClient

        assert self._ready is not None
        try:
            async with ClaudeSDKClient(self.options) as client:
                self.pid = _cli_pid(client)
                self._ready.set_result(None)
                while (prompt := await self._inbox.get()) is not _CLOSE:
                    self._busy = True
                    await client.query(prompt)
                    async for message in client.receive_response():
                        self._outbox.put_nowait(message)
                    self._outbox.put_nowait(_TURN_END)
                    self._busy = False
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # reaches the caller of start() or of the running turn
            if not self._ready.done():
                self._ready.set_exception(exc)
            else:
                self._outbox.put_nowait(exc)
        finally:
            if not self._ready.done():
                self._ready.set_exception(SessionClosedError("the session stopped"))
            self._outbox.put_nowait(SessionClosedError("the Claude Code session ended"))

    async def turn(self, prompt: str) -> AsyncIterator[Any]:
        """Send one prompt; yield the SDK messages up to and including its result."""
        if not self.alive:
            raise SessionClosedError("the Claude Code session is not running")
        self._inbox.put_nowait(prompt)
        while (item := await self._outbox.get()) is not _TURN_END:
            if isinstance(item, BaseException):
                raise item
            yield item

    async def close(self) -> None:
        """Stop the worker: the SDK disconnects, which terminates the CLI process."""
        task, self._task = self._task, None
        if task is None or task.done():
            return
        self._inbox.put_nowait(_CLOSE)
        # An idle worker leaves at once; a running turn does not read the inbox: cancel it.
        done, _ = await asyncio.wait({task}, timeout=0 if self._busy else CLOSE_TIMEOUT)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), CLOSE_TIMEOUT)
        with contextlib.suppress(BaseException):
            task.result()


def _cli_pid(client: Any) -> int | None:
    """The CLI's process id, for callers that check that no process outlives the agent."""
    process = getattr(getattr(client, "_transport", None), "_process", None)
    return getattr(process, "pid", None)
