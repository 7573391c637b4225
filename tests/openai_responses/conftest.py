from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agentplug import create_agent
from agentplug.testing import ResponsesSimulator

CASSETTES = Path(__file__).resolve().parents[3] / "shared" / "cassettes" / "openai_responses"


@pytest.fixture
def sim():
    with ResponsesSimulator() as simulator:
        yield simulator


@pytest.fixture
def make_agent(sim, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")

    def make(tools=(), **backend):
        config = {"type": "openai", "model": "gpt-5", "base_url": sim.base_url,
                  "max_retries": 0, **backend}
        return create_agent(config, tools=tools)
    return make


def load_cassette(name: str) -> list[dict]:
    """The interactions of a recorded cassette (VCR YAML)."""
    return yaml.safe_load((CASSETTES / name).read_text(encoding="utf-8"))["interactions"]


async def collect(agent, prompt):
    return [e async for e in agent.stream(prompt)]
