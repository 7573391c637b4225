"""Suite-wide guards: asyncio debug mode with a slow-callback threshold, and any asyncio
warning (a blocked event loop, a never-awaited coroutine) fails the test that caused it.

The threshold is 0.25 s on a machine as fast as the reference, and scales with how much slower
this machine runs a fixed piece of Python (shared CI machines drift by 3x): a step that blocks
the loop for real is slow in the same proportion, so it is still caught."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import time

import pytest

SLOW_CALLBACK_SECONDS = 0.25
_REFERENCE_WORK_SECONDS = 0.010  # _work() on the 2-core CI machine kind
_TOOK = re.compile(r"took (\d+\.\d+) seconds")
_session_slowness = 1.0


def _work() -> float:
    start = time.perf_counter()
    total = 0
    for i in range(200_000):
        total += i * i
    return time.perf_counter() - start


def _slowness() -> float:
    """How many times slower than the reference this machine runs Python right now (>= 1)."""
    return max(1.0, min(_work() for _ in range(3)) / _REFERENCE_WORK_SECONDS)


def pytest_collection_finish(session: pytest.Session) -> None:
    # Every SDK is imported by now: move those long-lived objects out of the collector's
    # reach, or a full collection of them stalls a test's loop past the threshold.
    gc.collect()
    gc.freeze()
    global _session_slowness
    _session_slowness = _slowness()


class _AsyncioWarnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _asyncio_guard(request: pytest.FixtureRequest):
    handler = _AsyncioWarnings()
    logger = logging.getLogger("asyncio")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    records = [r for r in handler.records if not _slow_only_because_the_machine_is(r)]
    if records and not request.node.get_closest_marker("allow_asyncio_warnings"):
        lines = "\n".join(r.getMessage()[:500] for r in records)
        pytest.fail(f"asyncio warned during the test:\n{lines}", pytrace=False)


def _slow_only_because_the_machine_is(record: logging.LogRecord) -> bool:
    """A slow step within the threshold scaled by the machine's slowness measured now."""
    took = _TOOK.search(record.getMessage())
    return took is not None and float(took.group(1)) < SLOW_CALLBACK_SECONDS * _slowness()


@pytest.fixture(autouse=True)
async def _debug_loop() -> None:
    loop = asyncio.get_running_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = SLOW_CALLBACK_SECONDS * _session_slowness


@pytest.fixture(autouse=True)
def _secrets_forgotten():
    """Each test starts with no registered secrets: the redactor is process-wide, and a key
    another test registered would mask text this one asserts on."""
    yield
    from agentplug.core import redact

    with redact._lock:
        redact._pieces.clear()
