"""Bounded capture of a command's output: the head and the tail are kept, the middle is cut
and the cut is said, so a 10 MB log costs the model a few kilobytes and still shows how the
command started and how it ended."""

from __future__ import annotations

import threading
from collections import deque

DEFAULT_LIMIT = 32 * 1024  # bytes kept per stream (head + tail)
LINE_LIMIT = 4 * 1024  # bytes kept per line of a background shell


class HeadTail:
    """Keeps the first ``limit // 2`` and the last ``limit // 2`` bytes fed to it."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = max(2, limit)
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self.limit // 2 - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail += data
            excess = len(self._tail) - (self.limit - self.limit // 2)
            if excess > 0:
                del self._tail[:excess]

    @property
    def cut(self) -> int:
        """Bytes dropped from the middle."""
        return self.total - len(self._head) - len(self._tail)

    def text(self) -> str:
        head = self._head.decode("utf-8", "replace")
        if not self.cut:
            return head + self._tail.decode("utf-8", "replace")
        tail = self._tail.decode("utf-8", "replace")
        return (f"{head}\n[... {self.cut:,} of {self.total:,} bytes cut: the output was over "
                f"the {self.limit:,}-byte limit; first and last {self.limit // 2:,} kept ...]\n"
                f"{tail}")


class LineRing:
    """The last ``max_lines`` lines of a background command's stream (MassGen keeps 10,000).

    Fed from a reader thread and read from the event loop, hence the lock."""

    def __init__(self, max_lines: int = 10_000) -> None:
        self._lines: deque[str] = deque(maxlen=max_lines)
        self._partial = b""
        self._lock = threading.Lock()
        self.dropped = 0

    def feed(self, data: bytes) -> None:
        with self._lock:
            parts = (self._partial + data).split(b"\n")
            self._partial = parts.pop()[-LINE_LIMIT:]
            for raw in parts:
                self._push(raw)

    def flush(self) -> None:
        with self._lock:
            if self._partial:
                self._push(self._partial)
                self._partial = b""

    def _push(self, raw: bytes) -> None:
        if len(self._lines) == self._lines.maxlen:
            self.dropped += 1
        line = raw[:LINE_LIMIT].decode("utf-8", "replace")
        if len(raw) > LINE_LIMIT:
            line += f" [... {len(raw) - LINE_LIMIT:,} bytes of this line cut]"
        self._lines.append(line)

    def lines(self) -> list[str]:
        with self._lock:
            out = list(self._lines)
            if self._partial:  # the line being written counts against the bound
                out = out[len(out) + 1 - (self._lines.maxlen or 1):]
                out.append(self._partial.decode("utf-8", "replace"))
            return out
