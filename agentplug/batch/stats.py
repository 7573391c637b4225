"""Counts, usage and timings of a batch, for the live display and the final summary."""

from __future__ import annotations

import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class BatchStats:
    total: int = 0  # tasks in the input
    skipped: int = 0  # already in the results file when the batch started
    ok: int = 0
    failed: int = 0
    running: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    unpriced: int = 0  # results that reported no cost
    failures: Counter[str] = field(default_factory=Counter)
    durations: array = field(default_factory=lambda: array("d"))
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    stopped: str | None = None  # why the batch stopped early, if it did

    def record(self, result: dict[str, Any]) -> None:
        if result["status"] == "ok":
            self.ok += 1
        else:
            self.failed += 1
            self.failures[(result.get("error") or {}).get("type") or "unknown"] += 1
        usage = result.get("usage") or {}
        self.input_tokens += usage.get("input_tokens", 0)
        self.output_tokens += usage.get("output_tokens", 0)
        if result.get("cost_usd") is None:
            self.unpriced += 1
        else:
            self.cost_usd += result["cost_usd"]
        self.durations.append(result.get("duration_s") or 0.0)

    @property
    def finished(self) -> int:
        return self.ok + self.failed

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.skipped - self.finished)

    @property
    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        """Tasks finished per second in this run."""
        return self.finished / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        return self.remaining / self.rate if self.rate > 0 else None

    def percentile(self, q: float) -> float | None:
        if not self.durations:
            return None
        ordered = sorted(self.durations)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def cost_known(self) -> bool:
        return self.finished > self.unpriced

    def line(self) -> str:
        """One plain progress line (logs, CI, anything that is not a terminal)."""
        parts = [f"{self.finished + self.skipped}/{self.total} done", f"{self.ok} ok",
                 f"{self.failed} failed", f"{self.running} running",
                 f"{self.input_tokens + self.output_tokens} tokens"]
        if self.cost_known:
            parts.append(f"${self.cost_usd:.4f}")
        parts.append(f"{self.rate:.1f} tasks/s")
        if self.eta is not None and self.remaining:
            parts.append(f"ETA {format_seconds(self.eta)}")
        return "batch: " + ", ".join(parts)

    def summary(self) -> str:
        lines = [f"batch: {self.ok} ok, {self.failed} failed, {self.skipped} already done, "
                 f"{self.remaining} not run, of {self.total} tasks in "
                 f"{format_seconds(self.elapsed)}"]
        if self.stopped:
            lines.append(f"  stopped early: {self.stopped}")
        if self.failures:
            by_type = ", ".join(f"{n} {t}" for t, n in self.failures.most_common())
            lines.append(f"  failures: {by_type}")
        p50, p95 = self.percentile(0.5), self.percentile(0.95)
        if p50 is not None and p95 is not None:
            lines.append(f"  task time: p50 {p50:.3f} s, p95 {p95:.3f} s")
        usage = f"  usage: {self.input_tokens} in, {self.output_tokens} out tokens"
        if self.cost_known:
            usage += f", ${self.cost_usd:.6f}"
            if self.unpriced:
                usage += f" ({self.unpriced} results without a price)"
        lines.append(usage)
        return "\n".join(lines)


def format_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{max(seconds, 0.0):.2f}s"
    h, rest = divmod(int(seconds + 0.5), 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else (f"{m}m{s:02d}s" if m else f"{s}s")
