"""Hypothesis profiles for the fuzz suite.

The normal run is derandomized with a bounded number of examples per test (see
``fuzz_support.budget``). A developer runs the long fuzz by hand:

    .venv/bin/python -m pytest tests/fuzz --hypothesis-profile long -q

Profiles must be registered before pytest configures hypothesis, so this conftest is loaded
as an initial conftest: name ``tests/fuzz`` (or a file in it) on the command line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "long", max_examples=10_000, deadline=None, derandomize=False, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The suite's 120 s per test fits the normal budgets; a long run takes what it takes.
    if settings.get_current_profile_name() == "long":
        here = Path(__file__).parent
        for item in items:
            if here in item.path.parents:
                item.add_marker(pytest.mark.timeout(4 * 3600), append=False)
