"""Token usage and cost, summed across model calls and agents, and the budgets they count against.

A cost is one of three things, never guessed: a figure in USD (``cost_usd``), free (a model run
on this machine or a self-hosted server: ``free``), or unknown for some calls (``unpriced``
names the models no price table covers, so a sum over them is shown as partial, never $0.00).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .errors import BudgetExceededError


@dataclass(slots=True)
class Usage:
    input_tokens: int = 0  # all input, cache reads and writes included
    output_tokens: int = 0  # all output, reasoning included
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    requests: int = 0
    cost_usd: float | None = None
    unpriced: tuple[str, ...] = ()  # "model (why)" for calls without a price
    free: bool = False  # every priced call ran on a free (local or self-hosted) model

    def __add__(self, other: Usage) -> Usage:
        cost = None
        if self.cost_usd is not None or other.cost_usd is not None:
            cost = (self.cost_usd or 0.0) + (other.cost_usd or 0.0)
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            requests=self.requests + other.requests,
            cost_usd=cost,
            unpriced=self.unpriced + tuple(u for u in other.unpriced if u not in self.unpriced),
            free=_free_sum(self, other),
        )

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def priced(self) -> bool:
        """Whether a cost was settled for these calls (a figure, free, or known unpriced)."""
        return self.cost_usd is not None or bool(self.unpriced)

    def cost_text(self) -> str:
        """The cost as a user reads it: ``$0.001234``, ``free (self-hosted)``, ``unpriced``."""
        if self.unpriced:
            missing = "unpriced: " + "; ".join(self.unpriced)
            return missing if self.cost_usd is None else f"${self.cost_usd:.6f} + {missing}"
        if self.cost_usd is None:
            return ""
        if self.free and self.cost_usd == 0:
            return "free (self-hosted)"
        return f"${self.cost_usd:.6f}"

    def summary(self) -> str:
        parts = [f"{self.input_tokens} in", f"{self.output_tokens} out"]
        if self.cached_tokens:
            parts.append(f"{self.cached_tokens} cached")
        if self.reasoning_tokens:
            parts.append(f"{self.reasoning_tokens} reasoning")
        text = "usage: " + ", ".join(parts) + f" tokens over {self.requests} request(s)"
        cost = self.cost_text()
        return f"{text}, {cost}" if cost else text


def _free_sum(a: Usage, b: Usage) -> bool:
    # Free only if every side that has any cost state is free; an empty Usage is neutral.
    sides = [u for u in (a, b) if u.priced or u.free]
    return bool(sides) and all(u.free for u in sides)


@dataclass(slots=True)
class Budget:
    """Limits on what a set of agents may spend: one agent's own, or one shared by a run.

    A turn that would start with the budget already spent is refused; the turn that crosses a
    limit finishes (its calls are paid for by then) and the next one is refused. Thread-safe,
    so agents on several threads or event loops can share one.
    """

    max_cost_usd: float | None = None
    max_tokens_total: int | None = None
    name: str = "run"
    spent: Usage = field(default_factory=Usage)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        for label, value in (("max_cost_usd", self.max_cost_usd),
                             ("max_tokens_total", self.max_tokens_total)):
            if value is not None and value <= 0:
                raise ValueError(f"{label} must be > 0, got {value}")

    @property
    def limited(self) -> bool:
        return self.max_cost_usd is not None or self.max_tokens_total is not None

    def charge(self, usage: Usage) -> None:
        with self._lock:
            self.spent = self.spent + usage

    def exceeded(self) -> str | None:
        """Why no new turn may start, or None while there is room."""
        with self._lock:
            spent = self.spent
        if self.max_tokens_total is not None and spent.total_tokens >= self.max_tokens_total:
            return (f"{self.name} budget spent: {spent.total_tokens} tokens used of "
                    f"max_tokens_total {self.max_tokens_total}")
        if (self.max_cost_usd is not None and spent.cost_usd is not None
                and spent.cost_usd >= self.max_cost_usd):
            return (f"{self.name} budget spent: ${spent.cost_usd:.6f} of max_cost_usd "
                    f"${self.max_cost_usd:g}")
        return None

    def check(self) -> None:
        """Raise ``BudgetExceededError`` when no new turn may start."""
        why = self.exceeded()
        if why is not None:
            raise BudgetExceededError(f"turn refused: {why} (raise the limit, or start a "
                                      "new run)")
