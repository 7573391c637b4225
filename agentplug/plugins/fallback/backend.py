"""The fallback chain's runtime: failover before the first token, and circuit breakers.

A call goes to the first member whose circuit is closed. A retryable failure (429, 5xx,
overloaded, connection refused, timeout, a stream cut) before any output was streamed moves
the call to the next member at once, with a ``Notice``; the members' SDK retries are off
unless the user set ``max_retries``, so nothing waits in front of the failover. Once output
has started the chain does not switch: the user has already seen (and tools may have acted
on) part of an answer, so the turn fails with the member's error, and the failure counts
towards that member's circuit, so the next turn starts on the next member. The agent owns the
history, tools and MCP servers, so every member receives the same ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agentplug.core import tracing
from agentplug.core.backend import BaseBackend
from agentplug.core.errors import BackendError, ProviderTimeoutError
from agentplug.core.events import (
    BuiltinToolEvent, Done, ErrorEvent, Event, Notice, ReasoningDelta, TextDelta,
    ToolCallDelta, ToolCallRequested, UsageEvent,
)
from agentplug.core.messages import Message
from agentplug.core.pricing import PriceRef, price, price_ref
from agentplug.core.protocol import Backend
from agentplug.core.tools import ToolDef
from agentplug.core.usage import Usage

from .params import FallbackParams

_OUTPUT = (TextDelta, ReasoningDelta, ToolCallDelta, ToolCallRequested, BuiltinToolEvent)


@dataclass(slots=True)
class _Circuit:
    failures: int = 0
    opened_at: float | None = None


class CircuitBreakers:
    """One circuit per backend identity, shared by every agent and chain in the process.

    A circuit opens after ``threshold`` consecutive failures and stays open for ``cooldown``
    seconds; then one call may try it again (half-open): success closes it, failure reopens
    it for another cool-down."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._circuits: dict[str, _Circuit] = {}
        self._lock = threading.Lock()

    def remaining(self, key: str, cooldown: float) -> float:
        """Seconds this backend stays out; 0 when it may be tried."""
        with self._lock:
            circuit = self._circuits.get(key)
            if circuit is None or circuit.opened_at is None:
                return 0.0
            return max(0.0, circuit.opened_at + cooldown - self._clock())

    def failure(self, key: str, threshold: int) -> None:
        with self._lock:
            circuit = self._circuits.setdefault(key, _Circuit())
            circuit.failures += 1
            if circuit.failures >= threshold:
                circuit.opened_at = self._clock()

    def success(self, key: str) -> None:
        with self._lock:
            self._circuits.pop(key, None)


BREAKERS = CircuitBreakers()


@dataclass(slots=True)
class _Member:
    backend: Backend
    key: str  # the circuit's identity: no secret in it
    label: str


def _member(params: Any) -> _Member:
    from agentplug.core.host import default_host

    spec = default_host().backend(params.type)
    where = params.base_url or getattr(params, "provider", None) or ""
    key = f"{params.type}|{params.model or ''}|{where}"
    label = f"{params.type} ({params.model})" if params.model else params.type
    return _Member(spec.create(params), key, label)


class FallbackBackend(BaseBackend):
    params: FallbackParams
    traces_calls = True  # one `chat` span per member tried, not one for the whole chain

    def __init__(self, params: FallbackParams, spec: Any) -> None:
        super().__init__(params, spec)
        self.members = [_member(p) for p in params.backends]
        self._active = self.members[0]

    def price_ref(self) -> PriceRef:
        """The member streaming now prices the usage it reports."""
        return price_ref(self._active.backend)

    async def open(self) -> None:
        results = await asyncio.gather(*(m.backend.open() for m in self.members),
                                       return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            await self.close()
            raise errors[0]

    async def close(self) -> None:
        results = await asyncio.gather(*(m.backend.close() for m in self.members),
                                       return_exceptions=True)
        errors = [r for r in results if isinstance(r, Exception)]
        if errors:
            raise errors[0]

    async def reset(self) -> None:
        await asyncio.gather(*(m.backend.reset() for m in self.members))

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                     ) -> AsyncIterator[Event]:
        order, notices = self._order()
        for notice in notices:
            yield notice
        for n, member in enumerate(order):
            self._active = member
            attempt = _Attempt(self, member, messages, tools)
            # aclosing: a turn left early closes the member's HTTP stream now, not at GC.
            async with contextlib.aclosing(attempt.events()) as events:
                async for event in events:
                    yield event
            if attempt.failure is None:
                BREAKERS.success(member.key)
                return
            if attempt.retryable:  # a bad request or key is no sign the provider is down
                BREAKERS.failure(member.key, self.params.failure_threshold)
            following = order[n + 1] if n + 1 < len(order) else None
            if attempt.started or not attempt.retryable or following is None:
                if attempt.started and attempt.retryable:
                    yield Notice(f"fallback: {member.label} failed after its answer had "
                                 "started streaming; the chain does not switch mid-answer, so "
                                 "this turn fails (the next one starts on the next backend)",
                                 level="warning")
                raise attempt.failure
            yield Notice(f"fallback: {member.label} failed before answering "
                         f"({attempt.failure}); trying {following.label}", level="warning")

    def _order(self) -> tuple[list[_Member], list[Notice]]:
        """Members whose circuit is closed, in order; all of them if none is (a last try
        beats refusing the turn)."""
        ready: list[_Member] = []
        notices: list[Notice] = []
        for member in self.members:
            left = BREAKERS.remaining(member.key, self.params.cooldown)
            if left:
                notices.append(Notice(f"fallback: skipping {member.label}: it failed recently "
                                      f"(back in {left:.0f} s)"))
            else:
                ready.append(member)
        if not ready:
            notices = [Notice("fallback: every backend of the chain failed recently; trying "
                              "them again in order", level="warning")]
            ready = list(self.members)
        return ready, notices


class _Attempt:
    """One member's try at a call: its events as they come, and how it ended."""

    def __init__(self, chain: FallbackBackend, member: _Member, messages: Sequence[Message],
                 tools: Sequence[ToolDef]) -> None:
        self.chain, self.member = chain, member
        self.messages, self.tools = messages, tools
        self.started = False
        self.failure: BaseException | None = None

    @property
    def retryable(self) -> bool:
        return bool(getattr(self.failure, "retryable", False))

    async def events(self) -> AsyncGenerator[Event, None]:
        trace = tracing.active()
        span = None
        events = self.member.backend.stream(self.messages, self.tools)
        if trace is not None:
            span = trace.chat(None, price_ref(self.member.backend), self.member.backend,
                              self.messages)
            events = trace.within(span, events)
        usage = Usage()
        try:
            async with contextlib.aclosing(events) as stream:  # type: ignore[type-var]
                while True:
                    try:
                        event = await self._next(stream)
                    except StopAsyncIteration:
                        return
                    if isinstance(event, ErrorEvent) and not self.started:
                        # A backend that reports instead of raising: same rules.
                        self.failure = _as_error(event)
                        return
                    self.started = self.started or isinstance(event, _OUTPUT)
                    if isinstance(event, UsageEvent):
                        # Priced here, where the member is known (the agent keeps a cost that
                        # is already settled).
                        event = UsageEvent(price(event.usage, price_ref(self.member.backend)))
                    if span is not None and trace is not None:
                        usage = _record(trace, span, event, usage)
                    yield event
        except Exception as exc:
            self.failure = exc
        finally:
            if span is not None and trace is not None:
                if self.failure is not None:
                    trace.fail(span, self.failure)
                span.end()

    async def _next(self, stream: AsyncIterator[Event]) -> Event:
        limit = self.chain.params.first_token_timeout
        if limit is None or self.started:
            return await anext(stream)
        try:
            async with asyncio.timeout(limit):
                return await anext(stream)
        except TimeoutError:
            raise ProviderTimeoutError(f"{self.member.label} sent nothing for {limit:g} s "
                                       "(first_token_timeout)") from None


def _record(trace: tracing.Tracing, span: Any, event: Event, usage: Usage) -> Usage:
    if isinstance(event, UsageEvent):
        usage = usage + event.usage
        trace.usage(span, usage)
    elif isinstance(event, Done):
        trace.done(span, event)
    return usage


def _as_error(event: ErrorEvent) -> BackendError:
    error = BackendError(event.message)
    error.retryable = event.retryable
    return error
