"""Provider-neutral scripts for the wire simulators: what the "model" answers, turn by turn.

Each simulator renders a ``Reply`` in its provider's exact wire format. A script entry can also
be a function of the recorded request (to answer dynamically), a ``Fault`` attached to a reply,
or a ``RawResponse`` replayed byte for byte (e.g. from a recorded cassette).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(slots=True)
class ToolCallSpec:
    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None
    chunk_size: int = 8  # streamed argument fragment size


@dataclass(slots=True)
class BuiltinSpec:
    """A provider-run tool (web search, code execution) in a reply."""

    tool: Literal["web_search", "code_execution", "code_interpreter", "image_generation"]
    query: str | None = None
    code: str | None = None
    stdout: str = ""
    stderr: str = ""
    return_code: int = 0
    sources: list[tuple[str, str]] = field(default_factory=list)  # (url, title)
    id: str | None = None
    image: str | None = None  # image_generation: the base64 result


@dataclass(slots=True)
class Fault:
    """Something going wrong on the wire.

    status: answer with this HTTP status and the provider's error body.
    retry_after: the Retry-After header (seconds) with a status fault.
    drop_after: send this many stream events, then cut the connection.
    malformed_after: send this many events, then one that is not valid JSON.
    error_after: send this many events, then the provider's in-stream error event.
    delay: seconds to wait before the first byte (a slow or stalled response).
    """

    status: int | None = None
    message: str = "simulated failure"
    retry_after: float | None = None
    drop_after: int | None = None
    malformed_after: int | None = None
    error_after: int | None = None
    delay: float = 0.0

    @classmethod
    def http(cls, status: int, *, retry_after: float | None = None,
             message: str | None = None) -> Fault:
        return cls(status=status, retry_after=retry_after,
                   message=message or f"simulated HTTP {status}")


@dataclass(slots=True)
class Reply:
    """One model response."""

    text: str = ""
    reasoning: str = ""
    reasoning_signature: str | None = None
    tool_calls: list[ToolCallSpec] = field(default_factory=list)
    builtins: list[BuiltinSpec] = field(default_factory=list)
    usage: dict[str, int] | None = None  # input, output, cached, reasoning
    stop_reason: str | None = None  # provider-neutral; each simulator maps it
    chunk_size: int | None = None  # text delta size in characters; default: by word
    chunk_delay: float = 0.0  # seconds between stream events
    fault: Fault | None = None
    model: str | None = None


@dataclass(slots=True)
class RawResponse:
    status: int
    body: bytes | str
    headers: dict[str, str] = field(default_factory=dict)


ScriptEntry = Reply | RawResponse | Fault | Callable[[Any], "Reply | RawResponse | Fault"]

_WORD = re.compile(r"\S+\s*|\s+")


def split_text(text: str, chunk_size: int | None) -> list[str]:
    """Text deltas: fixed-size pieces, or words with their trailing space."""
    if not text:
        return []
    if chunk_size:
        return [text[i:i + chunk_size] for i in range(0, len(text), chunk_size)]
    return _WORD.findall(text)


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0
