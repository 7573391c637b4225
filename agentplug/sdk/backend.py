"""``SDKBackend``: a backend over one provider SDK client, with the shared seams written once.

- **Endpoint**: base URL (config, else the backend's default), API key (config, else the
  declaration's env vars; optional for a server on this machine), headers, retries, timeout.
- **Client**: built off the event loop on ``open`` and cached per loop and settings.
- **Errors**: the SDK's own rules (``error_rules``) in front of the transport table.
- **Stream loop**: ``build_request`` → ``open_stream`` → each item fed to a turn → ``finish``.
  A turn is fed plain JSON dicts, the wire's own shapes. By default they are decoded straight
  off the SDK's raw HTTP response (``agentplug.sdk.wire``), never built into the SDK's
  models; ``fast_stream: false`` reads the SDK's stream instead, each model turned back into
  its dict (``sdk_dicts``), so both paths feed the turn the same items.

A backend overrides only what its provider does differently: Gemini's client settings,
Azure's endpoint, Anthropic's pause-and-continue loop, Grok's citations.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, ClassVar, Literal, Protocol
from urllib.parse import urlsplit

from agentplug.core.backend import BaseBackend
from agentplug.core.errors import BackendError
from agentplug.core.events import Event
from agentplug.core.messages import Message
from agentplug.core.requirements import resolve_api_key
from agentplug.core.structured import OutputSpec
from agentplug.core.tools import ToolDef

from .clients import cached_client, on_aiohttp, open_client
from .errors import ErrorRule, map_error

KeyNeed = Literal["always", "remote", "never"]
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def is_local(url: str | None) -> bool:
    """A server on this machine: it ignores the API key, though the SDK insists on one."""
    return (urlsplit(url or "").hostname or "") in LOCAL_HOSTS


class Turn(Protocol):
    """One model call's state: stream items (JSON dicts) in, agentplug events out."""

    url: str

    def feed(self, item: Any) -> Iterable[Event]: ...

    def finish(self) -> Iterable[Event]:
        """The closing events (usage, ``Done``); a ``StreamError`` if the stream was cut."""
        ...


class SDKBackend(BaseBackend):
    # The client attribute a call goes through ("chat.completions"): warmed up on open.
    resource: ClassVar[str] = ""
    default_base_url: ClassVar[str | None] = None
    # Hosted APIs always need the key; OpenAI-compatible servers ignore it when they run on
    # this machine ("remote": needed only elsewhere); local engines never need one.
    key_needed: ClassVar[KeyNeed] = "always"

    # what an SDK brings ------------------------------------------------------------------
    def client_factory(self) -> Callable[..., Any]:
        raise NotImplementedError

    def load_sdk(self) -> None:
        """Import the SDK (and build the models it builds lazily); runs off the loop."""
        self.client_factory()

    def error_rules(self) -> Sequence[ErrorRule]:
        return ()

    # endpoint ----------------------------------------------------------------------------
    def base_url(self) -> str | None:
        url = self.params.base_url or self.default_base_url
        return url.rstrip("/") if url else None

    def key_env_vars(self) -> Sequence[str]:
        return self.spec.env_vars

    def api_key(self) -> str:
        required = self.key_needed == "always" or (
            self.key_needed == "remote" and not is_local(self.base_url()))
        key = resolve_api_key(self.params, tuple(self.key_env_vars()), self.name,
                              required=required)
        return key or "not-needed"

    def headers(self) -> dict[str, str]:
        return dict(getattr(self.params, "headers", None) or {})

    def client_settings(self) -> dict[str, Any]:
        """The client's keyword arguments (the openai and anthropic SDKs name them alike)."""
        p = self.params
        settings: dict[str, Any] = {"api_key": self.api_key()}
        if url := self.base_url():
            settings["base_url"] = url
        if p.max_retries is not None:
            settings["max_retries"] = p.max_retries
        if p.timeout is not None:
            settings["timeout"] = p.timeout
        if headers := self.headers():
            settings["default_headers"] = headers
        return settings

    def url_of(self, client: Any) -> str:
        """Where this backend's requests go, for error messages."""
        url = getattr(client, "base_url", None) or self.base_url() or ""
        return str(url).rstrip("/")

    # client ------------------------------------------------------------------------------
    def _factory(self) -> Callable[..., Any]:
        factory = self.client_factory()
        if getattr(self.params, "http_client", "httpx") == "aiohttp":
            return on_aiohttp(factory)
        return factory

    async def open(self) -> None:
        await asyncio.to_thread(self.load_sdk)
        await open_client(self._factory(), self.resource, **self.client_settings())

    def client(self) -> Any:
        # Agents may be driven from a different loop than the one that opened them.
        return cached_client(self._factory(), **self.client_settings())

    def map_error(self, exc: BaseException, url: str) -> BackendError:
        return map_error(exc, url, self.error_rules())

    # stream loop -------------------------------------------------------------------------
    @property
    def fast_stream(self) -> bool:
        """Decode the stream off the wire (the default) rather than through the SDK's models."""
        return bool(getattr(self.params, "fast_stream", True))

    def build_request(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                      ) -> dict[str, Any]:
        raise NotImplementedError

    def shape_output(self, request: dict[str, Any], output: OutputSpec) -> None:
        """Constrain the request to a typed answer's schema (backends declaring the native
        structured-output strategy override this)."""
        raise NotImplementedError(f"{type(self).__name__} has no native structured output")

    def force_tool(self, request: dict[str, Any], output: OutputSpec, alone: bool) -> None:
        """Make the model call the output tool (the tool strategy): by name when it is the
        only function tool, else any tool, so that the agent's own tools stay callable
        first. A wire with no such control (the default) sends the tools as they are."""

    def output_request(self, messages: Sequence[Message], tools: Sequence[ToolDef],
                       output: OutputSpec | None) -> dict[str, Any]:
        """``build_request``, shaped for a typed answer when one is asked for."""
        request = self.build_request(messages, tools)
        if output is None:
            return request
        if output.strategy == "tool":
            self.force_tool(request, output,
                            alone=all(t.name == output.tool_name for t in tools))
        else:
            self.shape_output(request, output)
        return request

    def new_turn(self, url: str) -> Turn:
        raise NotImplementedError

    async def open_stream(self, client: Any, request: dict[str, Any]
                          ) -> AbstractAsyncContextManager[AsyncIterator[Any]]:
        """Send the request; its stream of items, closed when the call is left (even early)."""
        raise NotImplementedError

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef],
                     output: OutputSpec | None = None) -> AsyncIterator[Event]:
        client = self.client()
        request = self.output_request(messages, tools, output)
        turn = self.new_turn(self.url_of(client))
        async for event in self.call(client, request, turn):
            yield event
        for event in turn.finish():
            yield event

    async def call(self, client: Any, request: dict[str, Any], turn: Turn
                   ) -> AsyncIterator[Event]:
        """One request, its stream fed to ``turn``; SDK errors leave as agentplug errors."""
        try:
            async with await self.open_stream(client, request) as items:
                async for item in items:
                    for event in turn.feed(item):
                        yield event
        except Exception as exc:
            # Not chained: the SDK's exception quotes the provider's error body, which may
            # echo the key; the mapped error carries its message, redacted.
            raise self.map_error(exc, turn.url) from None


@asynccontextmanager
async def sdk_dicts(stream: AbstractAsyncContextManager[Any], to_dict: Callable[[Any], Any]
                    ) -> AsyncIterator[AsyncIterator[Any]]:
    """The SDK's stream with each model as its JSON dict (what the fast path decodes); items
    the SDK left unbuilt (it passes through what it cannot type) pass through as they are."""
    async with stream as items:
        yield (to_dict(item) if hasattr(item, "model_dump") else item async for item in items)


def openai_dict(model: Any) -> Any:
    """An openai / anthropic model as the JSON it was built from (unset fields left out)."""
    return model.to_dict(warnings=False)
