"""The fast stream path: the SDK sends the request (auth, retries, status errors) and hands
back its raw HTTP response; the SSE body is decoded here straight into JSON dicts.

Each SDK's in-stream rules are kept as its stream class applies them, so a turn sees the same
items and the same exceptions on either path:

- openai (Chat Completions and Responses): ``[DONE]`` ends the stream (the rest of an
  HTTP/1.1 body is drained, for the connection's reuse); ``thread.*`` events are wrapped as
  ``{"data", "event"}``; a payload with a truthy ``"error"`` raises ``APIError``; read
  timeouts and transport failures become ``APITimeoutError`` / ``APIConnectionError``.
- anthropic: ``ping`` events, events without an ``event:`` line and empty payloads are
  dropped; ``event: error`` raises the SDK's status error (status 200) with the payload as
  its body; transport failures leak as they are (the transport table maps them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AbstractAsyncContextManager, aclosing, asynccontextmanager
from typing import Any

from .sse import SSEDecoder, loads

_DRAIN_SECONDS = 0.1  # as the openai SDK: a body left after [DONE] is given this long


@asynccontextmanager
async def openai_stream(raw: AbstractAsyncContextManager[Any]
                        ) -> AsyncIterator[AsyncIterator[Any]]:
    """``raw``: ``client.<resource>.with_streaming_response.create(**request)``. The reader is
    closed before the response (a turn that raises mid-stream leaves it suspended)."""
    async with raw as api_response, aclosing(_openai_items(api_response.http_response)) as items:
        yield items


async def _openai_items(response: Any) -> AsyncGenerator[Any, None]:
    import anyio
    import httpx2
    import openai

    decoder = SSEDecoder()
    chunks = response.aiter_bytes()
    try:
        async for chunk in chunks:
            for event, data in decoder.feed(chunk):
                if data[:6] == b"[DONE]":
                    if response.http_version == "HTTP/1.1":
                        await _drain(chunks)
                    return
                item = loads(data)
                if event and event[:7] == "thread.":
                    yield {"data": item, "event": event}
                    continue
                if type(item) is dict and item.get("error"):
                    error = item["error"]
                    message = error.get("message") if isinstance(error, dict) else None
                    if not message or not isinstance(message, str):
                        message = "An error occurred during streaming"
                    raise openai.APIError(message=message, request=response.request,
                                          body=error)
                yield item
        decoder.finish()
    except httpx2.TimeoutException as err:
        raise openai.APITimeoutError(request=response.request) from err
    except (httpx2.RequestError, ssl.SSLError, anyio.EndOfStream) as err:
        raise openai.APIConnectionError(request=response.request) from err


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    import httpx2

    with contextlib.suppress(TimeoutError, httpx2.RequestError, httpx2.StreamConsumed):
        async with asyncio.timeout(_DRAIN_SECONDS):
            async for _ in chunks:
                pass


@asynccontextmanager
async def anthropic_stream(client: Any, raw: AbstractAsyncContextManager[Any]
                           ) -> AsyncIterator[AsyncIterator[Any]]:
    """``raw``: ``client.messages.with_streaming_response.create(**request)``."""
    async with raw as api_response, aclosing(
            _anthropic_items(client, api_response.http_response)) as items:
        yield items


async def _anthropic_items(client: Any, response: Any) -> AsyncGenerator[Any, None]:
    decoder = SSEDecoder()
    async for chunk in response.aiter_bytes():
        for event, data in decoder.feed(chunk):
            if event is None or event == "ping":
                continue
            if event == "error":
                raise _anthropic_error(client, response, data.decode("utf-8"))
            if data:
                yield loads(data)
    decoder.finish()


def _anthropic_error(client: Any, response: Any, text: str) -> BaseException:
    body: Any = text
    try:
        body = json.loads(text)
        message = f"{body}"
    except Exception:
        message = text or f"Error code: {response.status_code}"
    return client._make_status_error(message, body=body, response=response)  # type: ignore[no-any-return]
