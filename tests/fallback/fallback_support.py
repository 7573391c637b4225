"""Helpers of the fallback tests (imported by module name: pytest puts this folder on
sys.path)."""

from __future__ import annotations

import socket
import time
from typing import Any

from agentplug import Notice


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again: nothing listens there


def openai_member(url: str, **extra: Any) -> dict[str, Any]:
    return {"type": "openai", "model": "gpt-4o", "base_url": url, "api_key": "sk-a", **extra}


def claude_member(url: str, **extra: Any) -> dict[str, Any]:
    return {"type": "claude", "model": "claude-sonnet-4-5", "base_url": url, "api_key": "sk-b",
            **extra}


def chain(*members: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "fallback", "backends": list(members), **extra}


async def timed(agent: Any, prompt: str) -> tuple[list[Any], float | None, float]:
    """The turn's events, when (seconds after the start) the first fallback notice came, and
    how long the whole turn took, on the test's own clock."""
    start = time.perf_counter()
    events: list[Any] = []
    failover = None
    async for event in agent.stream(prompt):
        if (failover is None and isinstance(event, Notice)
                and "failed before answering" in event.message):
            failover = time.perf_counter() - start
        events.append(event)
    return events, failover, time.perf_counter() - start


def notices(events: list[Any]) -> list[str]:
    return [e.message for e in events if isinstance(e, Notice)]


def answered(sim: Any) -> int:
    """Model calls a simulator received."""
    return sum(1 for r in sim.requests if r.method == "POST")
