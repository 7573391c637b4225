"""Token usage and cost, summed across model calls and agents."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    requests: int = 0
    cost_usd: float | None = None

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
        )

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def summary(self) -> str:
        parts = [f"{self.input_tokens} in", f"{self.output_tokens} out"]
        if self.cached_tokens:
            parts.append(f"{self.cached_tokens} cached")
        if self.reasoning_tokens:
            parts.append(f"{self.reasoning_tokens} reasoning")
        text = "usage: " + ", ".join(parts) + f" tokens over {self.requests} request(s)"
        if self.cost_usd is not None:
            text += f", ${self.cost_usd:.6f}"
        return text
