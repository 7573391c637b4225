"""Tracing off costs nothing: a whole turn runs without importing opentelemetry."""

from __future__ import annotations

import os
import subprocess
import sys

from agentplug.testing import ChatCompletionsSimulator, Reply

TURN = """
import asyncio, sys
from agentplug import create_agent

async def main():
    config = {"type": "chatcompletion", "model": "m", "base_url": sys.argv[1], "max_retries": 0}
    async with create_agent(config) as agent:
        print((await agent.run("hi")).text)

asyncio.run(main())
print(sorted(m for m in sys.modules if m.startswith("opentelemetry")))
"""


def _turn(url: str, **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k != "AGENTPLUG_TRACING"}
    done = subprocess.run([sys.executable, "-c", TURN, url], capture_output=True, text=True,
                          timeout=60, env={**clean, **env}, check=True)
    return done.stdout.splitlines()


def test_a_turn_without_tracing_never_imports_opentelemetry():
    with ChatCompletionsSimulator(default=Reply("answered")) as sim:
        assert _turn(sim.base_url) == ["answered", "[]"]


def test_the_environment_switch_turns_tracing_on():
    with ChatCompletionsSimulator(default=Reply("answered")) as sim:
        text, modules = _turn(sim.base_url, AGENTPLUG_TRACING="1")
    assert text == "answered" and "opentelemetry.trace" in modules


MISSING = """
import asyncio, sys
sys.modules["opentelemetry"] = None  # as if the otel extra were not installed
from agentplug import create_agent

async def main():
    config = {"type": "chatcompletion", "model": "m", "base_url": sys.argv[1], "max_retries": 0}
    async with create_agent(config) as agent:
        print([e async for e in agent.stream("hi")][-1].message)

asyncio.run(main())
"""


def test_tracing_asked_for_without_the_extra_is_a_clear_error():
    with ChatCompletionsSimulator(default=Reply("answered")) as sim:
        clean = {k: v for k, v in os.environ.items() if k != "AGENTPLUG_TRACING"}
        done = subprocess.run([sys.executable, "-c", MISSING, sim.base_url], capture_output=True,
                              text=True, timeout=60, env={**clean, "AGENTPLUG_TRACING": "1"},
                              check=True)
        assert not sim.requests  # refused before any call
    assert done.stdout.strip() == ("the 'opentelemetry-api' package is not installed: run pip "
                                   "install 'agentplug[otel]'")
