"""``local`` runtime: Chat Completions to a llama.cpp server this process starts and owns.

``open`` checks the extra and the model file, then leases a server from the pool (spawning
it if no agent shares one yet) without waiting for it. The first model call waits until the
model is loaded, announcing it with a ``Notice`` so the CLI shows progress on stderr, then
streams through the shared Chat Completions code path. ``close`` returns the lease; the last
one stops the server. A server that died is reported with its last log lines, and the next
call starts a fresh one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from importlib.util import find_spec
from pathlib import Path
from typing import Any, cast

from agentplug.core.errors import BackendError, ProviderError, StreamError
from agentplug.core.events import Done, Event, Notice, TextDelta, UsageEvent
from agentplug.core.messages import Message
from agentplug.core.requirements import require
from agentplug.core.structured import OutputSpec
from agentplug.formats.structured import json_object_format
from agentplug.core.tools import ToolDef
from agentplug.core.usage import Usage
from .model import LocalExtraError, display_name, resolve_model
from .server import POOL, Lease, LlamaServer, LocalServerError, ServerKey, describe
from agentplug.sdk.chat_completions import ChatCompletionsBackend
from .params import LocalParams

# What `python -m llama_cpp.server` imports (llama-cpp-python's [server] extra).
SERVER_MODULES = {"llama_cpp": "llama-cpp-python", "uvicorn": "uvicorn",
                  "fastapi": "fastapi", "sse_starlette": "sse-starlette",
                  "starlette_context": "starlette-context",
                  "pydantic_settings": "pydantic-settings"}


def check_server_installed() -> None:
    """Without importing anything (llama_cpp loads a native library)."""
    for module, package in SERVER_MODULES.items():
        try:
            found = find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise LocalExtraError(package)


def server_key(p: LocalParams) -> ServerKey:
    """The pool key for these params: equal settings share one server."""
    path = resolve_model(p.model)
    return ServerKey(model=str(path), alias=display_name(path), n_ctx=p.n_ctx,
                     n_threads=p.n_threads, chat_format=p.chat_format, port=p.port)


def default_key() -> ServerKey:
    return server_key(LocalParams(type="local"))


async def _acquire(key: ServerKey) -> Lease:
    """A lease, spawning off the event loop (forking a large process can take a while); a
    lease that arrives after its caller was cancelled is returned at once."""
    future = asyncio.ensure_future(asyncio.to_thread(POOL.acquire, key))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        def orphaned(f: asyncio.Future[Lease]) -> None:
            if not f.cancelled() and f.exception() is None:
                f.result().release()
        future.add_done_callback(orphaned)
        raise


class LocalBackend(ChatCompletionsBackend):
    params: LocalParams
    key_needed = "never"

    def __init__(self, params: Any, spec: Any) -> None:
        super().__init__(params, spec)
        self.lease: Lease | None = None
        self._key: ServerKey | None = None
        self._usage_cache: tuple[int, Usage] | None = None
        self._log_mark = 0

    def base_url(self) -> str | None:
        if self.lease is None:
            return "the local llama.cpp server (not started)"
        return self.lease.server.base_url

    def request_options(self) -> dict[str, Any]:
        opts = super().request_options()
        if self._key is not None:
            opts["model"] = self._key.alias
        return opts

    def shape_output(self, request: dict[str, Any], output: OutputSpec) -> None:
        request["response_format"] = json_object_format(output)

    async def open(self) -> None:
        # Off the loop: finding modules, importing the SDK (~0.4 s), locating the model.
        self._key = await asyncio.to_thread(self._prepare)
        self.lease = await _acquire(self._key)
        # The shared Chat Completions open: builds the SDK client for the server's URL off
        # the loop (the server need not be ready for that).
        await super().open()

    def _prepare(self) -> ServerKey:
        check_server_installed()
        require("openai", "local")
        return server_key(self.params)

    async def _ensure_ready(self) -> AsyncIterator[Notice]:
        if self._key is None:
            raise BackendError("the local backend was not opened")
        if self.lease is not None and self.lease.server.exited:
            await self._drop_lease()  # died since the last call (maybe under another agent)
        if self.lease is None or self.lease.released:
            self.lease = await _acquire(self._key)
        server = self.lease.server
        if server.ready:
            return
        yield Notice(f"starting the local model ({describe(Path(self._key.model))}) on "
                     "llama.cpp...")
        try:
            await server.wait_ready(self.params.startup_timeout)
        except BackendError:
            await self._drop_lease()
            raise

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef],
                     output: OutputSpec | None = None) -> AsyncIterator[Event]:
        async for notice in self._ensure_ready():
            yield notice
        assert self.lease is not None
        server = self.lease.server
        chunks = 0
        self._usage_cache = None
        self._log_mark = server.log_size()
        try:
            # aclosing: leaving early (cancel, break) closes the HTTP stream now, not at GC.
            inner = cast(AsyncGenerator[Event, None], super().stream(messages, tools, output))
            async with aclosing(inner) as events:
                async for event in events:
                    if isinstance(event, TextDelta):
                        chunks += 1
                    elif isinstance(event, UsageEvent | Done):
                        event = await self._with_usage(event, server, messages, chunks)
                    yield event
        except BackendError as exc:
            if isinstance(exc, StreamError) and not server.exited:
                await self._raise_failed_request(server)
            # An HTTP error status means the server is alive and answered; otherwise give a
            # dying process the moment it needs between closing its sockets and exiting.
            if isinstance(exc, ProviderError | LocalServerError) or not await asyncio.to_thread(
                    server.exits_within, 1.0):
                raise
            code = server.proc.returncode if server.proc else None
            died = server.failure(f"exited with code {code} during the request (the next "
                                  "call starts a new server)")
            await self._drop_lease()
            raise died from exc

    async def _with_usage(self, event: UsageEvent | Done, server: LlamaServer,
                          messages: Sequence[Message], chunks: int) -> UsageEvent | Done:
        if isinstance(event, Done) and server.exited:
            # A stream cut by a dying server can end without a transport error.
            raise BackendError("the stream ended because the server died")
        if isinstance(event, Done) and not event.message.parts:
            await self._raise_failed_request(server)
        if event.usage.output_tokens or not chunks:
            return event
        # llama-cpp-python ignores stream_options and streams no usage: count the output
        # (it sends one chunk per token) and the tokens of the prompt's text.
        usage = await self._counted_usage(server, messages, chunks)
        if isinstance(event, UsageEvent):
            return UsageEvent(usage)
        return Done(event.message, event.stop_reason, usage)

    async def _raise_failed_request(self, server: LlamaServer) -> None:
        """When generation fails (e.g. the prompt exceeds n_ctx) llama-cpp-python answers 200
        with an empty stream and logs the reason: an empty answer with an error logged
        during the request is that failure, not a model that said nothing."""
        for _ in range(5):  # the traceback can land just after the stream closes
            logged = server.log_since(self._log_mark)
            errors = [line for line in logged.splitlines() if "Error:" in line]
            if errors:
                hint = (" (raise `n_ctx` or shorten the conversation)"
                        if "exceed context window" in errors[-1] else "")
                raise LocalServerError(f"local model: the request failed inside the llama.cpp "
                                       f"server: {errors[-1].strip()}{hint}")
            await asyncio.sleep(0.1)

    async def _counted_usage(self, server: LlamaServer, messages: Sequence[Message],
                             chunks: int) -> Usage:
        if self._usage_cache is not None and self._usage_cache[0] == chunks:
            return self._usage_cache[1]
        text = "\n".join(m.text for m in messages if getattr(m, "text", None))
        prompt = await server.count_tokens(text)
        usage = Usage(input_tokens=prompt, output_tokens=chunks, requests=1)
        self._usage_cache = (chunks, usage)
        return usage

    async def _drop_lease(self) -> None:
        lease, self.lease = self.lease, None
        if lease is not None:
            await asyncio.to_thread(lease.release)

    async def close(self) -> None:
        await self._drop_lease()
        self._key = None


__all__ = ["LocalBackend", "LocalServerError"]
