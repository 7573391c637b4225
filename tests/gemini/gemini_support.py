"""Helpers shared by the gemini tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from agentplug.testing import FaultSuite, GeminiSimulator

WIRE = FaultSuite(GeminiSimulator,
                  lambda url: {"type": "gemini", "model": "gemini-2.5-flash", "base_url": url},
                  env={"GEMINI_API_KEY": "gm-test"}, retry_keys={"retry_initial_delay": 0.01},
                  honours_retry_after=False)  # google-genai backs off on its own schedule

CASSETTES = Path(__file__).resolve().parents[3] / "shared" / "cassettes" / "gemini"


def load_cassette(name: str) -> list[dict[str, Any]]:
    """The interactions of a recorded cassette (VCR YAML)."""
    return yaml.safe_load((CASSETTES / name).read_text(encoding="utf-8"))["interactions"]


def parse_sse(text: str) -> list[dict[str, Any]]:
    """The chunks of a Gemini stream: ``data: `` lines only, no event names, no [DONE]."""
    chunks = []
    for block in text.replace("\r\n", "\n").strip().split("\n\n"):
        assert block.startswith("data: ") and "\nevent:" not in block, block[:80]
        chunks.append(json.loads(block[len("data: "):]))
    return chunks


async def collect(agent, prompt):
    return [e async for e in agent.stream(prompt)]
