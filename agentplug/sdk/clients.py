"""Shared plumbing for every backend that speaks through the ``openai`` SDK.

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

from agentplug.core.errors import (
    BackendError, ProviderConnectionError, ProviderError, ProviderTimeoutError, RateLimitError,
    StreamError,
)
from agentplug.core.requirements import require

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, Any]] = (
    weakref.WeakKeyDictionary())


def openai_module() -> Any:
    return require("openai", "openai")


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


def client_settings(*, base_url: str | None, api_key: str, max_retries: int | None,
                    timeout: float | None, headers: dict[str, str] | None = None
                    ) -> dict[str, Any]:
    settings: dict[str, Any] = {"api_key": api_key}
    if base_url:
        settings["base_url"] = base_url
    if max_retries is not None:
        settings["max_retries"] = max_retries
    if timeout is not None:
        settings["timeout"] = timeout
    if headers:
        settings["default_headers"] = headers
    return settings


def map_error(exc: BaseException, url: str) -> BackendError:
    """An ``openai`` SDK (or transport) exception as an agentplug error."""
    openai = openai_module()
    if isinstance(exc, BackendError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return ProviderTimeoutError(f"request to {url} timed out")
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        if cause is not None and "incomplete" in str(cause).lower():
            return StreamError(f"the stream from {url} broke off: {cause}")
        return ProviderConnectionError(url, str(cause or exc))
    if isinstance(exc, openai.APIStatusError):
        cls = RateLimitError if exc.status_code == 429 else ProviderError
        return cls(_message(exc), status=exc.status_code, body=exc.body)
    if isinstance(exc, openai.APIError):  # an error chunk inside a 200 stream
        return ProviderError(_message(exc), body=exc.body, retryable=False)
    if isinstance(exc, json.JSONDecodeError):
        return StreamError(f"malformed chunk in the stream from {url}: {exc}")
    name = type(exc).__name__
    if name in ("RemoteProtocolError", "ReadError", "ReadTimeout", "StreamClosed"):
        return StreamError(f"the stream from {url} broke off: {name}: {exc}")
    return BackendError(f"{name}: {exc}")


def _message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(getattr(exc, "message", exc))


# Responses streams report failures as ordinary events (``error``, ``response.failed``), which
# the SDK passes through instead of raising: these codes are worth another try.
_RETRYABLE_STREAM_CODES = {"server_error", "rate_limit_exceeded", "vector_store_timeout"}


def stream_event_error(code: str | None, message: str | None, url: str) -> ProviderError:
    """A Responses ``error`` / ``response.failed`` event as an agentplug error."""
    cls = RateLimitError if code == "rate_limit_exceeded" else ProviderError
    detail = f" [{code}]" if code else ""
    return cls(f"{message or 'the response failed'}{detail} (stream from {url})",
               retryable=code in _RETRYABLE_STREAM_CODES)
