"""How events look in a terminal: the answer on stdout, everything else on stderr.

On a TTY the answer is rendered as Markdown and activity lines are coloured (with ``rich``);
piped, both streams carry the plain text unchanged, so scripts see exactly what the model
wrote and no escape code ever reaches a file.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live

_MAX = 200
_REDRAW_EVERY = 0.08  # seconds between redraws of the Markdown block being streamed


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX else text[: _MAX - 1] + "…"


def is_tty(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def console(stream: IO[str]) -> Console:
    """A rich Console on ``stream``: colour on a terminal, plain text otherwise.

    Markup, emoji codes and highlighting are off: model and tool text is shown verbatim.
    """
    from rich.console import Console

    return Console(file=stream, markup=False, emoji=False, highlight=False)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *,
                out: IO[str] | None = None, title: str | None = None) -> None:
    """A table whose columns fit the terminal (or $COLUMNS when piped) and stay aligned with
    emoji and wide characters, which take two cells."""
    from rich import box
    from rich.table import Table

    stream = out or sys.stdout
    con = console(stream)
    table = Table(*headers, box=box.ROUNDED if con.is_terminal else box.ASCII2,
                  title=title, header_style="bold" if con.is_terminal else "")
    for row in rows:
        table.add_row(*row)
    con.print(table)


class MarkdownStream:
    """Streamed Markdown on a terminal, block by block.

    A finished block (text before a blank line outside a code fence) is printed once, so the
    scrollback holds each block exactly once; only the block still being written is redrawn
    in place, as Markdown.
    """

    def __init__(self, con: Console) -> None:
        self.console = con
        self.pending = ""
        self._live: Live | None = None
        self._drawn_at = 0.0

    def feed(self, text: str) -> None:
        self.pending += text
        done, self.pending = split_blocks(self.pending)
        if done:
            self._stop_live()
            self._print(done)
        if self.pending.strip():
            self._redraw()

    def finish(self) -> None:
        self._stop_live()
        if self.pending.strip():
            self._print(self.pending)
        self.pending = ""

    def _print(self, text: str) -> None:
        from rich.markdown import Markdown

        self.console.print(Markdown(text))

    def _redraw(self) -> None:
        from rich.live import Live
        from rich.markdown import Markdown

        now = time.monotonic()
        if self._live is None:
            self._live = Live(console=self.console, auto_refresh=False, transient=True,
                              redirect_stdout=False, redirect_stderr=False)
            self._live.start()
        elif now - self._drawn_at < _REDRAW_EVERY:
            return
        self._drawn_at = now
        self._live.update(Markdown(self.pending), refresh=True)

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


def split_blocks(text: str) -> tuple[str, str]:
    """``(finished, pending)``: cut after the last blank line that is not inside a fenced code
    block, so that no Markdown construct is rendered half-way."""
    in_fence, cut, pos = False, 0, 0
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        pos += len(line)
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        elif (not stripped and not in_fence and i > 0 and i + 1 < len(lines)
              and not lines[i + 1][:1].isspace()):
            # Only a blank line followed by unindented text ends a block: a list item or a
            # paragraph may still continue after a trailing blank line or an indented one.
            cut = pos
    return text[:cut], text[cut:]


class TerminalRenderer:
    """Renders one agent's events; ``markdown=None`` means "on a TTY"."""

    def __init__(self, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr,
                 show_reasoning: bool = True, markdown: bool | None = None) -> None:
        self.out, self.err, self.show_reasoning = out, err, show_reasoning
        self._midline = False
        self._reasoning = False
        self._err_console = console(err) if is_tty(err) else None
        use_markdown = is_tty(out) if markdown is None else markdown
        self._markdown = MarkdownStream(console(out)) if use_markdown else None

    def __call__(self, event: Any) -> None:
        kind = event.type
        if kind == "text_delta":
            if self._reasoning:
                self.err.write("\n")
                self._reasoning = False
            if self._markdown is not None:
                self._markdown.feed(event.text)
                return
            self.out.write(event.text)
            self.out.flush()
            self._midline = not event.text.endswith("\n")
        elif kind == "reasoning_delta" and self.show_reasoning:
            if not self._reasoning:
                self._end_answer_block()
                self._write_err("[thinking] ", "dim italic")
                self._reasoning = True
            self._write_err(event.text, "dim italic")
        elif kind == "tool_call":
            self._line(f"→ {event.call.name}({_short(json.dumps(event.call.arguments))})",
                       "cyan")
        elif kind == "tool_result":
            mark = "✗" if event.is_error else "←"
            self._line(f"{mark} {event.name}: {_short(event.output)}",
                       "red" if event.is_error else "green")
        elif kind == "planned_tool_call":
            self._line(f"(planned, not run) {event.call.name}"
                       f"({_short(json.dumps(event.call.arguments))})", "yellow")
        elif kind == "builtin_tool":
            self._line(_builtin(event), "cyan")
        elif kind == "notice":
            warning = event.level == "warning"
            self._line(f"agentplug: {event.level}: {event.message}" if warning
                       else f"agentplug: {event.message}", "yellow" if warning else "dim")
        elif kind == "speaker":
            self._end_answer_line()
            self._line(f"── {event.agent} ──", "bold magenta")
        elif kind == "done":
            self._end_answer_line()
            self._line(f"agentplug: {event.usage.summary()} (stop: {event.stop_reason})", "dim")
        elif kind == "error":
            self._end_answer_line()
            self._line(f"agentplug: error: {event.message}", "bold red")

    def close(self) -> None:
        """Show whatever is still pending (an answer cut short by Ctrl-C included)."""
        self._end_answer_line()

    def note(self, text: str) -> None:
        """A line from agentplug itself (a cancelled answer, a reset) after any answer."""
        self._end_answer_line()
        self._line(f"agentplug: {text}", "yellow")

    def write_answer(self, text: str, heading: str) -> None:
        """A whole answer at once under a heading (a team's summary) on stdout."""
        self._end_answer_line()
        if self._markdown is not None:
            self._markdown.console.rule(heading)
            self._markdown.feed(text)
            self._markdown.finish()
        else:
            self.out.write(f"\n── {heading} ──\n{text}\n")
            self.out.flush()

    def _end_answer_block(self) -> None:
        if self._markdown is not None:
            self._markdown.finish()

    def _end_answer_line(self) -> None:
        self._end_answer_block()
        if self._midline:
            self.out.write("\n")
            self.out.flush()
            self._midline = False

    def _write_err(self, text: str, style: str) -> None:
        if self._err_console is not None:
            from rich.text import Text

            self._err_console.print(Text(text, style=style), end="", soft_wrap=True)
        else:
            self.err.write(text)
        self.err.flush()

    def _line(self, text: str, style: str = "") -> None:
        self._end_answer_block()
        if self._reasoning:
            self.err.write("\n")
            self._reasoning = False
        self._write_err(text + "\n", style)


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

    def close(self) -> None:
        self.out.flush()
