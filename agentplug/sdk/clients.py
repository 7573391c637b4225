"""SDK clients, cached per event loop and settings.

Clients are cached per event loop and settings: rebuilding a client per request costs a new
SSL context and connection pool (~20 ms); sharing it across turns and agents costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import weakref
from collections.abc import Callable
from typing import Any

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, Any]] = (
    weakref.WeakKeyDictionary())


def cached_client(factory: Callable[..., Any], **settings: Any) -> Any:
    """A client built by ``factory(**settings)``, shared within the running event loop."""
    per_loop, key = _slot(factory, settings)
    client = per_loop.get(key)
    if client is None:
        client = per_loop[key] = factory(**settings)
    return client


async def open_client(factory: Callable[..., Any], resource: str, **settings: Any) -> Any:
    """``cached_client``, built off the event loop: a new client loads its SSL context, the
    SDKs import a resource's modules on first access (``client.chat``: 0.2 s) and their
    transport imports anyio's asyncio backend on the first request (0.1 s); each would block
    the loop. Backends call it from ``open`` with the dotted path of the resource they use."""
    per_loop, key = _slot(factory, settings)
    if key not in per_loop:
        def build() -> Any:
            with contextlib.suppress(ImportError):
                importlib.import_module("anyio._backends._asyncio")
            client = factory(**settings)
            target = client
            for name in resource.split("."):
                target = getattr(target, name)
            return client

        per_loop.setdefault(key, await asyncio.to_thread(build))
    return per_loop[key]


def _slot(factory: Callable[..., Any], settings: dict[str, Any]) -> tuple[dict[tuple, Any], tuple]:
    per_loop = _clients.setdefault(asyncio.get_running_loop(), {})
    key = (factory, *sorted((k, json.dumps(v, sort_keys=True, default=str))
                            for k, v in settings.items()))
    return per_loop, key
