"""SDK and transport exceptions as agentplug errors.

The SDKs run on httpx-style transports (httpx, its httpx2 fork) or, for google-genai when it
is installed, aiohttp; their failures are mapped once, by the table below, and each SDK adds
rules for its own exception classes in front of it (``SDKBackend.error_rules``). A rule
returns ``None`` for an exception it does not know.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from agentplug.core.errors import (
    BackendError, ProviderConnectionError, ProviderTimeoutError, StreamError,
)

ErrorRule = Callable[[BaseException, str], BackendError | None]


def _timeout(exc: BaseException, url: str) -> BackendError:
    return ProviderTimeoutError(f"request to {url} timed out ({type(exc).__name__})")


def _connect(exc: BaseException, url: str) -> BackendError:
    return ProviderConnectionError(url, str(exc))


def _broken(exc: BaseException, url: str) -> BackendError:
    return StreamError(f"the stream from {url} broke off: {type(exc).__name__}: {exc}")


# Transport exception class names, most specific first (ConnectError and ReadTimeout are
# TransportErrors too; aiohttp's connection and timeout errors are ClientErrors).
TRANSPORT: tuple[tuple[str, Callable[[BaseException, str], BackendError]], ...] = (
    ("TimeoutException", _timeout),  # httpx
    ("TimeoutError", _timeout),  # aiohttp, asyncio
    ("ConnectError", _connect),  # httpx
    ("ClientConnectorError", _connect),  # aiohttp
    ("TransportError", _broken),  # httpx: the connection dropped or broke the protocol
    ("StreamClosed", _broken),
    ("ClientPayloadError", _broken),  # aiohttp: the body was cut short
    ("ServerDisconnectedError", _broken),
    ("ClientOSError", _broken),
)


def chained(exc: BaseException | None, name: str) -> BaseException | None:
    """The first exception of class ``name`` (or a subclass) in ``exc``'s chain of causes."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if name in {cls.__name__ for cls in type(exc).__mro__}:
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def cut_short(exc: BaseException | None) -> bool:
    """Whether a transport failure says the body ended early: httpx's "incomplete" read, or
    aiohttp's ClientPayloadError (which the SDKs' aiohttp transport chains to a ReadError)."""
    return "incomplete" in str(exc).lower() or chained(exc, "ClientPayloadError") is not None


def refused(exc: BaseException) -> BaseException | None:
    """aiohttp's failure to connect, when an SDK's aiohttp transport reported it as a timeout
    (openai's maps every ClientConnectionError to ConnectTimeout)."""
    return chained(exc, "ClientConnectorError")


def transport_error(exc: BaseException, url: str) -> BackendError | None:
    if isinstance(exc, json.JSONDecodeError):
        return StreamError(f"malformed chunk in the stream from {url}: {exc}")
    names = {cls.__name__ for cls in type(exc).__mro__}
    for name, make in TRANSPORT:
        if name in names:
            return make(exc, url)
    return None


def map_error(exc: BaseException, url: str, rules: Sequence[ErrorRule] = ()) -> BackendError:
    """``exc`` as an agentplug error: the SDK's rules first, then the transport table."""
    if isinstance(exc, BackendError):
        return exc
    for rule in (*rules, transport_error):
        if (mapped := rule(exc, url)) is not None:
            return mapped
    return BackendError(f"{type(exc).__name__}: {exc}")
