"""What a person watching the batch sees: a live bar on a terminal, plain periodic lines
elsewhere (logs, CI), and a summary at the end. Everything goes to stderr."""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from .stats import BatchStats, format_seconds


class PlainReporter:
    """A line every ``interval`` seconds, and the summary."""

    def __init__(self, stream: IO[str] | None = None, interval: float = 10.0) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self._last = 0.0

    def start(self, stats: BatchStats) -> None:
        self._last = time.monotonic()
        todo = stats.total - stats.skipped
        print(f"batch: {stats.total} tasks, {stats.skipped} already done, {todo} to run",
              file=self.stream, flush=True)

    def update(self, stats: BatchStats) -> None:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            print(stats.line(), file=self.stream, flush=True)

    def finish(self, stats: BatchStats) -> None:
        print(stats.summary(), file=self.stream, flush=True)


class RichReporter:
    """A live ``rich`` progress bar: done / failed / running, tokens, cost, rate, ETA."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.console = Console(file=stream or sys.stderr)
        self.progress = Progress(
            TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"), console=self.console, transient=False,
            refresh_per_second=4)
        self._task: Any = None

    def start(self, stats: BatchStats) -> None:
        self.progress.start()
        self._task = self.progress.add_task("batch", total=stats.total,
                                            completed=stats.skipped, detail="")

    def update(self, stats: BatchStats) -> None:
        self.progress.update(self._task, completed=stats.skipped + stats.finished,
                             detail=_detail(stats))

    def finish(self, stats: BatchStats) -> None:
        self.update(stats)
        self.progress.stop()
        self.console.print(stats.summary(), highlight=False, markup=False)


def _detail(stats: BatchStats) -> str:
    parts = [f"[green]{stats.ok} ok[/]", f"[red]{stats.failed} failed[/]",
             f"{stats.running} running", f"{stats.input_tokens + stats.output_tokens} tok"]
    if stats.cost_known:
        parts.append(f"${stats.cost_usd:.4f}")
    parts.append(f"{stats.rate:.1f}/s")
    if stats.eta is not None and stats.remaining:
        parts.append(f"ETA {format_seconds(stats.eta)}")
    return " · ".join(parts)


def reporter_for(stream: IO[str] | None = None, *, interval: float = 10.0
                 ) -> PlainReporter | RichReporter:
    stream = stream or sys.stderr
    return RichReporter(stream) if stream.isatty() else PlainReporter(stream, interval)
