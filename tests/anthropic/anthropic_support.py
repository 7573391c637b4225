"""Helpers shared by the claude (Anthropic Messages) tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from agentplug.testing import AnthropicSimulator, FaultSuite

WIRE = FaultSuite(AnthropicSimulator,
                  lambda url: {"type": "claude", "model": "claude-sonnet-4-6", "base_url": url},
                  env={"ANTHROPIC_API_KEY": "sk-ant-test"})

CASSETTES = Path(__file__).resolve().parents[3] / "shared" / "cassettes" / "anthropic"


def load_cassette(name: str) -> list[dict[str, Any]]:
    """The interactions of a recorded cassette (VCR YAML)."""
    return yaml.safe_load((CASSETTES / name).read_text(encoding="utf-8"))["interactions"]


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(event name, data) pairs; the ``event:`` line must repeat the data's type."""
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.strip().splitlines() if ": " in line)
        data = json.loads(lines["data"])
        assert lines.get("event") == data["type"], block
        events.append((lines["event"], data))
    return events


def recorded_stream(name: str, index: int = 0) -> tuple[dict[str, Any], str]:
    """The recorded request body and the raw SSE text of its streamed response."""
    interaction = load_cassette(name)[index]
    request = interaction["request"]
    body = request.get("parsed_body") or json.loads(request["body"])
    return body, interaction["response"]["body"]["string"]


async def collect(agent, prompt):
    return [e async for e in agent.stream(prompt)]
