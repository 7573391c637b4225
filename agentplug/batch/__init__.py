"""Batch runs: many tasks from a JSON-lines file, one result line each, exactly once,
resumable, rate-limited, on this machine or a Ray cluster (``agentplug batch``).

    stats = await run_batch("agents.yaml", "tasks.jsonl", "results.jsonl", concurrency=8)
"""

from __future__ import annotations

from .limits import RateLimit, RateLimits, load_rate_limits, parse_rate_limits
from .retry import RetryPolicy
from .runner import Batch, run_batch, run_batch_sync
from .stats import BatchStats
from .tasks import Attachment, Task

__all__ = [
    "Attachment", "Batch", "BatchStats", "RateLimit", "RateLimits", "RetryPolicy", "Task",
    "load_rate_limits", "parse_rate_limits", "run_batch", "run_batch_sync",
]
