"""Helpers shared by the openai (Responses API) tests."""

from __future__ import annotations

from pathlib import Path

import yaml

from agentplug.testing import FaultSuite, ResponsesSimulator

WIRE = FaultSuite(ResponsesSimulator,
                  lambda url: {"type": "openai", "model": "gpt-5", "base_url": url},
                  env={"OPENAI_API_KEY": "sk-test"}, base_path="/v1")

CASSETTES = Path(__file__).resolve().parents[3] / "shared" / "cassettes" / "openai_responses"


def load_cassette(name: str) -> list[dict]:
    """The interactions of a recorded cassette (VCR YAML)."""
    return yaml.safe_load((CASSETTES / name).read_text(encoding="utf-8"))["interactions"]


async def collect(agent, prompt):
    return [e async for e in agent.stream(prompt)]
