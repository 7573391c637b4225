"""Shared pieces of the fuzz suite: example budgets per profile, time bounds, seeds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings

F = TypeVar("F", bound=Callable[..., Any])
REPO = Path(__file__).resolve().parents[2]
CASSETTES = REPO.parent / "shared" / "cassettes"
LONG = settings.get_current_profile_name() == "long"
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
          HealthCheck.function_scoped_fixture]


def budget(normal: int, long: int) -> Callable[[F], F]:
    """``normal`` derandomized examples in the suite; ``long`` under ``--hypothesis-profile
    long`` (random, so each long run explores new inputs; hypothesis prints the seed of a
    failure and a blob to reproduce it)."""
    if LONG:
        return settings(max_examples=long, deadline=None, derandomize=False, print_blob=True,
                        suppress_health_check=_QUIET)
    return settings(max_examples=normal, deadline=None, derandomize=True, database=None,
                    suppress_health_check=_QUIET)
