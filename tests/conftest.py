"""Suite-wide guards: asyncio debug mode with a slow-callback threshold, and any asyncio
warning (a blocked event loop, a never-awaited coroutine) fails the test that caused it."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

SLOW_CALLBACK_SECONDS = 0.25


def pytest_collection_finish(session: pytest.Session) -> None:
    # Every SDK is imported by now: move those long-lived objects out of the collector's
    # reach, or a full collection of them stalls a test's loop past the threshold.
    gc.collect()
    gc.freeze()


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
    if handler.records and not request.node.get_closest_marker("allow_asyncio_warnings"):
        lines = "\n".join(r.getMessage()[:500] for r in handler.records)
        pytest.fail(f"asyncio warned during the test:\n{lines}", pytrace=False)


@pytest.fixture(autouse=True)
async def _debug_loop() -> None:
    loop = asyncio.get_running_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = SLOW_CALLBACK_SECONDS
