"""The gemini backend's fast stream path: google-genai sends the request (key, retries, status
errors) and the body is decoded here, straight into the wire's JSON dicts.

google-genai has no raw streaming response (its streaming methods refuse
``should_return_http_response``), but it takes an HTTP transport of the caller's
(``HttpOptions.async_client_args["transport"]``; with one it uses httpx2, not aiohttp). Every
gemini client is built on a ``Tap`` of its own, which sends through its own httpx2 client. A
call on the fast path arms the tap for its task (a context variable): the tap keeps that
call's 200 response and hands the SDK an empty body, which the SDK reads as a stream of no
chunks; the kept body is decoded here. Unarmed (the SDK path, every other request) the tap
passes responses through untouched, so both paths share one transport and fail alike. As the
SDK sees no chunks, it never continues a stream; the fast path follows the SDK's automatic
continuation itself, one armed call per hop (``continuation``).

The SDK's own reading of the body is kept: lines end at CR, LF or CRLF and are UTF-8 with
replacement; a blank line ends a chunk (its ``data: `` lines joined by LF); any other line is
buffered until its braces balance (an error body sent line by line) and is a chunk of its
own; a chunk that is not JSON raises ``UnknownApiResponseError`` with the SDK's message; one
whose first key is ``"error"`` raises the SDK's ``APIError`` for its code; a chunk that is not
an object reads as an empty response, as the SDK's converter reads it.
"""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from contextlib import aclosing, asynccontextmanager
from contextvars import ContextVar
from typing import Any

import httpx2

from agentplug.sdk.sse import loads

from .continuation import Continuation

_DROPPED_HEADERS = (b"content-encoding", b"content-length", b"transfer-encoding")


class _Armed:
    """One fast-path call's slot for the response the tap keeps."""

    __slots__ = ("response",)

    def __init__(self) -> None:
        self.response: httpx2.Response | None = None


_ARMED: ContextVar[_Armed | None] = ContextVar("agentplug_gemini_tap", default=None)


class Tap(httpx2.AsyncBaseTransport):
    """The transport of every gemini client (see the module's docstring)."""

    def __init__(self) -> None:
        # As the SDK builds its own client: SSL_CERT_FILE / SSL_CERT_DIR, else httpx2's CAs;
        # proxies from the environment; no timeout but the SDK's per request.
        self._http = httpx2.AsyncClient(verify=_ssl_context(), timeout=None)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._http.send(request, stream=True)
        armed = _ARMED.get()
        if armed is None or armed.response is not None or response.status_code != 200:
            return response
        armed.response = response
        headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _DROPPED_HEADERS]
        return httpx2.Response(200, headers=headers, request=request)

    async def aclose(self) -> None:
        await self._http.aclose()


def _ssl_context() -> ssl.SSLContext:
    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    return httpx2.create_ssl_context()  # type: ignore[no-any-return]


def gemini_client(**settings: Any) -> Any:
    """``genai.Client(**settings)`` on a ``Tap`` of its own (the client factory: the backend's
    settings stay plain data, so the client cache can key on them)."""
    from google import genai

    http: Any = dict(settings.pop("http_options", None) or {})
    http["async_client_args"] = {**(http.get("async_client_args") or {}), "transport": Tap()}
    return genai.Client(**settings, http_options=http)


@asynccontextmanager
async def gemini_stream(start: Callable[[dict[str, Any]], Awaitable[AsyncIterator[Any]]],
                        config: dict[str, Any], to_dict: Callable[[Any], Any]
                        ) -> AsyncIterator[AsyncIterator[Any]]:
    """``start(config)``: ``client.aio.models.generate_content_stream`` with that config
    (nothing is sent until its result is iterated). Each hop of the SDK's automatic
    continuation is such a call, followed here as the SDK follows it (``continuation``).
    Chunks the SDK built itself (a body the tap did not keep) come out through ``to_dict``,
    as on the SDK path."""
    async with aclosing(_hops(start, Continuation(config), to_dict)) as items:
        yield items


async def _hops(start: Callable[[dict[str, Any]], Awaitable[AsyncIterator[Any]]],
                hops: Continuation, to_dict: Callable[[Any], Any]
                ) -> AsyncGenerator[Any, None]:
    observe = hops.observe
    while True:
        config = hops.start_hop()
        error: Exception | None = None
        try:
            chunks = await start(config)
            # Both closed on the way out, the body's reader first: a turn that raises
            # mid-stream leaves it suspended, and a reader left to the loop's shutdown fails
            # to close its connection ("aclose(): asynchronous generator is already running").
            async with aclosing(chunks), aclosing(_items(chunks, to_dict)) as items:  # type: ignore[type-var]
                async for item in items:
                    yield observe(item)
        except Exception as exc:  # the SDK's rule too: any failure of a hop may be resumed
            error = exc
        if not hops.end_hop(error):
            return


async def _items(chunks: AsyncIterator[Any], to_dict: Callable[[Any], Any]
                 ) -> AsyncGenerator[Any, None]:
    armed = _Armed()
    token = _ARMED.set(armed)
    try:
        first = await anext(chunks, None)  # sends; the SDK's status errors leave from here
    finally:
        _ARMED.reset(token)
    response = armed.response
    if response is None:
        if first is not None:
            yield to_dict(first)
        async for chunk in chunks:
            yield to_dict(chunk)
        return
    try:
        async for item in _body(response):
            yield item
    finally:
        await response.aclose()


async def _body(response: httpx2.Response) -> AsyncIterator[Any]:
    reader = _Reader(response)
    async with aclosing(response.aiter_bytes()) as blocks:  # closed now if a chunk raises
        async for block in blocks:
            for item in reader.feed(block):
                yield item
    for item in reader.finish():
        yield item


class _Reader:
    """The body's chunks, as the SDK reads them (see the module's docstring)."""

    __slots__ = ("_response", "_errors", "_lines", "_raw", "_data")

    def __init__(self, response: httpx2.Response) -> None:
        from google.genai import errors

        self._response, self._errors = response, errors
        self._lines, self._raw = _Lines(), _RawJson()
        self._data: list[bytes] = []

    def feed(self, block: bytes) -> Iterator[Any]:
        return self._read(self._lines.feed(block))

    def finish(self) -> Iterator[Any]:
        yield from self._read(self._lines.flush())
        if rest := self._raw.flush():
            yield self._chunk(rest)
        if self._data:
            yield self._chunk(b"\n".join(self._data))

    def _read(self, lines: list[bytes]) -> Iterator[Any]:
        data = self._data
        for line in lines:
            if not line:
                if data:
                    payload = data[0] if len(data) == 1 else b"\n".join(data)
                    data = self._data = []
                    yield self._chunk(payload)
            elif line[:6] == b"data: ":
                data.append(line[6:])
            elif (text := self._raw.add(line.decode("utf-8", "replace"))) is not None:
                yield self._chunk(text)

    def _chunk(self, payload: bytes | str) -> Any:
        data = payload.encode() if isinstance(payload, str) else payload
        try:
            item = loads(data, errors="replace")
        except json.JSONDecodeError as exc:
            raise self._errors.UnknownApiResponseError(
                "Failed to parse response as JSON. Raw response: "
                f"{data.decode('utf-8', 'replace')}") from exc
        if type(item) is not dict:
            return _not_an_object(item)
        if item and next(iter(item)) == "error":
            self._errors.APIError.raise_error(item.get("error", {}).get("code"), item,
                                        self._response)  # type: ignore[arg-type]
        return item


def _not_an_object(item: Any) -> dict[str, Any]:
    """A JSON chunk that is not an object, as the SDK's converter reads it: nothing, or, for a
    number or ``true``, its ``TypeError`` (it looks keys up with ``in``)."""
    if not item or isinstance(item, list | str):
        return {}
    raise TypeError(f"argument of type '{type(item).__name__}' is not iterable")


class _Lines:
    """Lines at CR, LF or CRLF, as bytes: the SDK's line splitting (a trailing CR is held
    until the next block shows whether LF follows)."""

    __slots__ = ("_rest", "_cr")

    def __init__(self) -> None:
        self._rest = b""
        self._cr = False

    def feed(self, block: bytes) -> list[bytes]:
        if self._cr:
            block, self._cr = b"\r" + block, False
        if block[-1:] == b"\r":
            block, self._cr = block[:-1], True
        if not block:
            return []
        lines = block.splitlines()
        tail = None if block[-1:] in (b"\r", b"\n") else lines.pop()
        if lines and self._rest:
            lines[0] = self._rest + lines[0]
            self._rest = b""
        if tail is not None:
            self._rest += tail
        return lines

    def flush(self) -> list[bytes]:
        if not self._rest and not self._cr:
            return []
        line, self._rest, self._cr = self._rest, b"", False
        return [line]


class _RawJson:
    """Lines that are not ``data:`` lines, buffered until their braces balance outside
    strings (the SDK's reading of an error body sent as plain JSON lines)."""

    __slots__ = ("_lines", "_depth", "_in_string", "_escaped")

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._depth, self._in_string, self._escaped = 0, False, False

    def add(self, line: str) -> str | None:
        for c in line:
            if self._in_string:
                if self._escaped:
                    self._escaped = False
                elif c == "\\":
                    self._escaped = True
                elif c == '"':
                    self._in_string = False
            elif c == '"':
                self._in_string = True
            elif c == "{":
                self._depth += 1
            elif c == "}":
                self._depth -= 1
        self._lines.append(line)
        return self.flush() if self._depth == 0 else None

    def flush(self) -> str:
        chunk, self._lines = "".join(self._lines), []
        self._depth, self._in_string, self._escaped = 0, False, False
        return chunk
