"""Server-sent events off the wire, for the fast stream path.

The framing is the openai and anthropic SDKs' own (lines end at CR, LF or CRLF; a blank line
dispatches; ``:`` starts a comment; one space after the colon is dropped; the last event id
is sticky, so after an ``id:`` line every blank line dispatches), and each line is decoded
as UTF-8 as they decode it, so a stream breaks at the same place with the same exception.
What is left out is their per-event objects: a chunk's events come out as
``(event name or None, data bytes)``, the data still undecoded for the JSON parser.

``loads`` parses a JSON payload with ``jiter`` (a dependency of the openai and anthropic
SDKs); whatever jiter refuses is handed to ``json.loads``, which the SDKs use, so a payload
jiter rejects and ``json`` accepts (NaN, lone surrogates) decodes as on the SDK path, and
a malformed one raises the SDK path's own ``json.JSONDecodeError`` with its message.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import jiter

Event = tuple[str | None, bytes]


def loads(data: bytes, errors: str = "strict") -> Any:
    """``errors``: how the ``json.loads`` fallback decodes (google-genai replaces what is not
    UTF-8; the openai and anthropic SDKs raise)."""
    try:
        return jiter.from_json(data)
    except ValueError:
        return json.loads(data.decode("utf-8", errors))


class SSEDecoder:
    """Bytes in, dispatched events out; ``finish`` at the end of the body."""

    __slots__ = ("_rest", "_skip_lf", "_event", "_data", "_last_id", "_retry")

    def __init__(self) -> None:
        self._rest = b""
        self._skip_lf = False  # the last chunk ended in CR: a leading LF completes it
        self._event: str | None = None
        self._data: list[bytes] = []
        self._last_id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> Iterator[Event]:
        """The events completed by ``chunk``, lazily: those before a line that fails to
        decode come out before the error, as from the SDKs' decoders."""
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        buf = self._rest + chunk if self._rest else chunk
        if b"\r" in buf:
            self._skip_lf = buf[-1:] == b"\r"
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        else:
            self._skip_lf = False
        lines = buf.split(b"\n")
        self._rest = lines.pop()
        return self._lines(lines)

    def finish(self) -> None:
        """The end of the body: an unterminated last line is read, as the SDKs read it (and
        may fail to decode), but an event without the blank line that ends it is dropped."""
        rest, self._rest = self._rest, b""
        if rest:
            for _ in self._lines([rest]):
                pass

    def _lines(self, lines: list[bytes]) -> Iterator[Event]:
        data = self._data
        for line in lines:
            if not line:
                if data or self._event or self._last_id or self._retry is not None:
                    event = (self._event or None,
                             data[0] if len(data) == 1 else b"\n".join(data))
                    data = self._data = []
                    self._event = self._retry = None
                    yield event
                continue
            if line[:6] == b"data: ":
                line.decode("utf-8")  # raises where the SDKs raise; the bytes go on to jiter
                data.append(line[6:])
                continue
            if line[:7] == b"event: ":  # every anthropic event has one
                self._event = line.decode("utf-8")[7:]
                continue
            text = line.decode("utf-8")
            if text[0] == ":":
                continue
            name, _, value = text.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if name == "data":
                data.append(value.encode("utf-8"))
            elif name == "event":
                self._event = value
            elif name == "id":
                if "\0" not in value:
                    self._last_id = value
            elif name == "retry":
                with contextlib.suppress(ValueError):
                    self._retry = int(value)
