"""Crossing between AG2's synchronous world and agentplug's event loop.

Classic AG2 runs chats, code executors and speaker selection synchronously; code execution
alone can block for seconds. agentplug therefore runs every AG2 chat in a worker thread and
sends model calls back to the event loop that owns the agentplug agents (their HTTP clients
and MCP sessions belong to that loop).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from ...core.errors import UsageError
from ...core.events import Event

T = TypeVar("T")
EventSink = Callable[[Event], None]

_private_loop: asyncio.AbstractEventLoop | None = None
_private_lock = threading.Lock()


def private_loop() -> asyncio.AbstractEventLoop:
    """A process-wide loop in a daemon thread, for agents adapted outside any event loop."""
    global _private_loop
    with _private_lock:
        if _private_loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="agentplug-ag2-loop",
                             daemon=True).start()
            _private_loop = loop
        return _private_loop


def running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def run_in_loop(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on ``loop`` from another thread and wait for its result."""
    if running_loop() is loop:
        coro.close()
        raise UsageError("a synchronous AG2 chat (initiate_chat) was started inside the event "
                         "loop that runs the agentplug agents: use a_initiate_chat, or run the "
                         "chat in a thread (asyncio.to_thread)")
    return asyncio.run_coroutine_threadsafe(coro, loop).result()


def threadsafe_sink(loop: asyncio.AbstractEventLoop, sink: EventSink) -> EventSink:
    """A sink callable from any thread that delivers events on ``loop``."""
    def emit(event: Event) -> None:
        if running_loop() is loop:
            sink(event)
        else:
            loop.call_soon_threadsafe(sink, event)
    return emit


def discard(event: Event) -> None:
    """The sink used when nobody listens."""


class QuietIOStream:
    """AG2's console output, silenced: agentplug streams events instead of AG2's prints.

    Human input (``human_input_mode`` ALWAYS or TERMINATE) still reads the terminal.
    """

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", flush: bool = False) -> None:
        return None

    def send(self, message: Any) -> None:
        return None

    def input(self, prompt: str = "", *, password: bool = False) -> str:
        import getpass
        import sys

        if password:
            return getpass.getpass(prompt)
        sys.stderr.write(prompt)
        sys.stderr.flush()
        return sys.stdin.readline().rstrip("\n")


def in_quiet_thread(fn: Callable[[], T]) -> Callable[[], T]:
    """``fn`` wrapped to run with AG2's console silenced (AG2's stream is per context)."""
    def run() -> T:
        from autogen.io import IOStream

        with IOStream.set_default(QuietIOStream()):
            return fn()
    return run
