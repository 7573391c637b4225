"""The faults every backend must survive, as a suite a backend's tests run against its own
simulator (agentplug's backends do; so can a third-party plugin's).

Each check scripts one fault, runs a turn through the real SDK, expects one ``ErrorEvent``
of the right kind, and then a normal turn on the same agent: a failed turn is rolled back and
the agent stays usable. ::

    from agentplug.testing import AnthropicSimulator, FaultSuite

    SUITE = FaultSuite(AnthropicSimulator, lambda url: {"type": "claude", "base_url": url},
                       env={"ANTHROPIC_API_KEY": "k"})

    @pytest.mark.parametrize("check", FaultSuite.CHECKS)
    async def test_faults(check, monkeypatch):
        await SUITE.run(check, monkeypatch)
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..core.events import ErrorEvent, Event
from .script import Fault, Reply
from .server import RecordedRequest

Config = Callable[[str], dict[str, Any]]


class WireSimulator(Protocol):
    """What the suite needs of a simulator (every one in ``agentplug.testing`` is one)."""

    @property
    def base_url(self) -> str: ...

    @property
    def requests(self) -> list[RecordedRequest]: ...

    def __enter__(self) -> WireSimulator: ...

    def __exit__(self, *exc: object) -> None: ...


@dataclass(frozen=True)
class FaultSuite:
    """``simulator``: the wire's simulator class; ``config(base_url)``: the backend config
    that talks to it; ``env``: variables the backend needs (its key); ``retry_keys``: extra
    backend keys that make retries quick (e.g. Gemini's ``retry_initial_delay``);
    ``honours_retry_after``: whether the SDK waits for ``Retry-After``; ``base_path``: what
    the simulator's ``base_url`` adds to its address (``"/v1"``)."""

    simulator: Callable[..., WireSimulator]
    config: Config
    env: Mapping[str, str] = field(default_factory=dict)
    retry_keys: Mapping[str, Any] = field(default_factory=dict)
    honours_retry_after: bool = True
    base_path: str = ""

    CHECKS = ("cut_stream", "stall", "silent_server", "nothing_listening", "malformed_chunk",
              "rate_limited")

    async def run(self, check: str, monkeypatch: Any) -> None:
        for name, value in self.env.items():
            monkeypatch.setenv(name, value)
        await getattr(self, check)()

    def _agent(self, base_url: str, **backend: Any) -> Any:
        from ..build import create_agent

        return create_agent({**self.config(base_url), "max_retries": 0, **backend})

    async def _fails_then_recovers(self, fault: Reply, error_type: str, **backend: Any
                                   ) -> ErrorEvent:
        with self.simulator(fault, Reply("recovered")) as sim:
            async with self._agent(sim.base_url, **backend) as agent:
                before = list(agent.history)
                error = _last(await _events(agent, "hi"))
                assert isinstance(error, ErrorEvent), f"expected an ErrorEvent, got {error!r}"
                assert error.error_type == error_type, (error.error_type, error.message)
                assert agent.history == before, "the failed turn was not rolled back"
                result = await agent.run("again")
                assert result.text == "recovered", result.text
        return error

    async def cut_stream(self) -> None:
        """The connection drops mid-stream: a ``StreamError``."""
        error = await self._fails_then_recovers(
            Reply("one two three four five", fault=Fault(drop_after=2)), "StreamError")
        assert "broke off" in error.message, error.message

    async def stall(self) -> None:
        """The server stops sending: a ``ProviderTimeoutError`` within the timeout."""
        start = time.monotonic()
        await self._fails_then_recovers(Reply("slow words here", chunk_delay=5),
                                        "ProviderTimeoutError", timeout=0.5)
        assert time.monotonic() - start < 5, "the stall was not cut by the timeout"

    async def silent_server(self) -> None:
        """The server accepts the request and never answers: a ``ProviderTimeoutError``."""
        start = time.monotonic()
        await self._fails_then_recovers(Reply("late", fault=Fault(delay=5)),
                                        "ProviderTimeoutError", timeout=0.5)
        assert time.monotonic() - start < 5, "the silence was not cut by the timeout"

    async def malformed_chunk(self) -> None:
        """A chunk that is not valid JSON: a ``StreamError``."""
        error = await self._fails_then_recovers(
            Reply("one two three", fault=Fault(malformed_after=1)), "StreamError")
        assert "malformed" in error.message, error.message

    async def nothing_listening(self) -> None:
        """Connection refused: a ``ProviderConnectionError`` naming where it went."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"http://127.0.0.1:{port}{self.base_path}"
        async with self._agent(url) as agent:
            error = _last(await _events(agent, "hi"))
        assert isinstance(error, ErrorEvent), error
        assert error.error_type == "ProviderConnectionError", (error.error_type, error.message)
        assert url in error.message, error.message

    async def rate_limited(self) -> None:
        """A 429 with ``Retry-After`` is retried by the SDK and the turn completes."""
        wait = 0.3
        with self.simulator(Fault.http(429, retry_after=wait), Reply("made it")) as sim:
            async with self._agent(sim.base_url, **{"max_retries": 1, **self.retry_keys}
                                   ) as agent:
                start = time.monotonic()
                result = await agent.run("hi")
                elapsed = time.monotonic() - start
            assert result.text == "made it"
            assert len(sim.requests) == 2
        if self.honours_retry_after:
            assert elapsed >= wait, f"retried after {elapsed:.2f} s, before Retry-After"


async def _events(agent: Any, prompt: str) -> list[Event]:
    return [event async for event in agent.stream(prompt)]


def _last(events: list[Event]) -> Event | None:
    return events[-1] if events else None
