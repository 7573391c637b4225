"""SDK clients, cached per event loop and settings, closed when their loop shuts down.

Clients are cached per event loop and settings: rebuilding a client per request costs a new
SSL context and connection pool (~20 ms); sharing it across turns and agents costs nothing.

A client's connection pool belongs to the loop it was first used on, so its sockets must be
closed inside that loop, before it closes. Nothing in asyncio calls back when a loop ends,
but ``asyncio.run``, ``asyncio.Runner`` (and so pytest-asyncio) end every loop with
``loop.shutdown_asyncgens()``, which closes each asynchronous generator the loop has seen,
running its ``finally`` inside the loop: each loop's cache keeps one such generator, whose
``finally`` closes the loop's clients and drops its cache. Left to the garbage collector
instead, a client's pool would outlive its loop (its transports reference it, so a weak key
never dies) or, collected later, the SDK's finaliser would schedule its close on whatever
loop runs then.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import inspect
import json
import logging
import weakref
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from agentplug.core.requirements import require

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _LoopClients:
    clients: dict[tuple, Any] = field(default_factory=dict)
    closer: AsyncGenerator[None, None] | None = None  # kept here: the loop holds it weakly


_loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClients] = (
    weakref.WeakKeyDictionary())


def cached_client(factory: Callable[..., Any], **settings: Any) -> Any:
    """A client built by ``factory(**settings)``, shared within the running event loop."""
    clients, key = _slot(factory, settings)
    client = clients.get(key)
    if client is None:
        client = clients[key] = factory(**settings)
    return client


async def open_client(factory: Callable[..., Any], resource: str, **settings: Any) -> Any:
    """``cached_client``, built off the event loop: a new client loads its SSL context, the
    SDKs import a resource's modules on first access (``client.chat``: 0.2 s) and their
    transport imports anyio's asyncio backend on the first request (0.1 s); each would block
    the loop. Backends call it from ``open`` with the dotted path of the resource they use."""
    clients, key = _slot(factory, settings)
    if key not in clients:
        def build() -> Any:
            with contextlib.suppress(ImportError):
                importlib.import_module("anyio._backends._asyncio")
            client = factory(**settings)
            target = client
            for name in resource.split("."):
                target = getattr(target, name)
            return client

        built = await asyncio.to_thread(build)
        if clients.setdefault(key, built) is not built:  # another agent's open won the race
            await close_client(built)
    return clients[key]


@functools.cache
def on_aiohttp(factory: Callable[..., Any]) -> Callable[..., Any]:
    """``factory`` (an openai or anthropic client class), its clients sending through the
    SDK's own aiohttp transport (``DefaultAioHttpClient``). Cached, so that the clients it
    builds share one cache slot per settings."""
    require("aiohttp", "aiohttp")
    # Both SDKs export their aiohttp client from the package the client class comes from.
    sdk = importlib.import_module(factory.__module__.partition(".")[0])
    http_client = sdk.DefaultAioHttpClient

    @functools.wraps(factory)
    def build(**settings: Any) -> Any:
        return factory(http_client=http_client(), **settings)

    return build


async def close_client(client: Any) -> None:
    """Close an SDK client's async transport (and google-genai's sync one beside it)."""
    # google-genai: the async client is ``client.aio`` and closes apart from the sync one.
    closers = [getattr(getattr(client, "aio", None), "aclose", None),
               getattr(client, "close", None)]
    for closer in filter(None, closers):
        result = closer()
        if inspect.isawaitable(result):
            await result


def _slot(factory: Callable[..., Any], settings: dict[str, Any]) -> tuple[dict[tuple, Any], tuple]:
    loop = asyncio.get_running_loop()
    cache = _loops.get(loop)
    if cache is None:
        cache = _loops[loop] = _LoopClients()
        cache.closer = _closer(loop, cache)
    key = (factory, *sorted((k, json.dumps(v, sort_keys=True, default=str))
                            for k, v in settings.items()))
    return cache.clients, key


def _closer(loop: asyncio.AbstractEventLoop, cache: _LoopClients
            ) -> AsyncGenerator[None, None]:
    """The generator whose ``finally`` closes ``cache``'s clients at the loop's shutdown,
    started now: its first step runs to the ``yield`` at once (nothing is awaited before it),
    and starting it is what makes the running loop track it."""
    async def close_at_shutdown() -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            _loops.pop(loop, None)
            for client in cache.clients.values():
                try:
                    await close_client(client)
                except Exception:  # one client failing to close must not keep the others open
                    log.warning("closing an SDK client failed", exc_info=True)
            cache.clients.clear()

    closer = close_at_shutdown()
    with contextlib.suppress(StopIteration):  # how a step that reached a ``yield`` ends
        closer.asend(None).send(None)
    return closer
