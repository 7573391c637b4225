"""How events look in a terminal: the answer on stdout, everything else on stderr."""

from __future__ import annotations

import json
import sys
from typing import IO, Any

_MAX = 200


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX else text[: _MAX - 1] + "…"


class TerminalRenderer:
    def __init__(self, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr,
                 show_reasoning: bool = True) -> None:
        self.out, self.err, self.show_reasoning = out, err, show_reasoning
        self._midline = False
        self._reasoning = False

    def __call__(self, event: Any) -> None:
        kind = event.type
        if kind == "text_delta":
            if self._reasoning:
                self.err.write("\n")
                self._reasoning = False
            self.out.write(event.text)
            self.out.flush()
            self._midline = not event.text.endswith("\n")
        elif kind == "reasoning_delta" and self.show_reasoning:
            if not self._reasoning:
                self.err.write("[thinking] ")
                self._reasoning = True
            self.err.write(event.text)
            self.err.flush()
        elif kind == "tool_call":
            self._line(f"→ {event.call.name}({_short(json.dumps(event.call.arguments))})")
        elif kind == "tool_result":
            mark = "✗" if event.is_error else "←"
            self._line(f"{mark} {event.name}: {_short(event.output)}")
        elif kind == "planned_tool_call":
            self._line(f"(planned, not run) {event.call.name}"
                       f"({_short(json.dumps(event.call.arguments))})")
        elif kind == "builtin_tool":
            self._line(_builtin(event))
        elif kind == "notice":
            self._line(f"agentplug: {event.level}: {event.message}"
                       if event.level == "warning" else f"agentplug: {event.message}")
        elif kind == "speaker":
            self._end_answer_line()
            self._line(f"── {event.agent} ──")
        elif kind == "done":
            self._end_answer_line()
            self._line(f"agentplug: {event.usage.summary()} (stop: {event.stop_reason})")
        elif kind == "error":
            self._end_answer_line()
            self._line(f"agentplug: error: {event.message}")

    def _end_answer_line(self) -> None:
        if self._midline:
            self.out.write("\n")
            self.out.flush()
            self._midline = False

    def _line(self, text: str) -> None:
        if self._reasoning:
            self.err.write("\n")
            self._reasoning = False
        self.err.write(text + "\n")
        self.err.flush()


def _builtin(event: Any) -> str:
    head = f"[{event.tool}{':' + event.name if event.name else ''} {event.status}]"
    parts = [head, _short(event.query or ""), _short(event.code or "")]
    if event.stdout:
        parts.append("→ " + _short(event.stdout))
    if event.stderr:
        parts.append("stderr: " + _short(event.stderr))
    if event.return_code:  # 0 is the unremarkable case
        parts.append(f"(exit {event.return_code})")
    parts.append(", ".join(s.url for s in event.sources[:5]))
    return " ".join(p for p in parts if p)


class JsonRenderer:
    def __init__(self, out: IO[str] = sys.stdout) -> None:
        self.out = out

    def __call__(self, event: Any) -> None:
        from ..core.events import event_to_json

        self.out.write(event_to_json(event) + "\n")
        self.out.flush()
