"""Cost where users see it: the CLI's usage line and its --json event lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agentplug.testing import Reply

AGENTPLUG = str(Path(sys.executable).parent / "agentplug")


def run(sim, model: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENAI_API_KEY": "sk-cli-test"}
    return subprocess.run([AGENTPLUG, "run", "-b", "openai", "-m", model, "--base-url",
                           sim.base_url, *extra, "what does it cost?"],
                          capture_output=True, text=True, timeout=60, env=env)


def test_the_usage_line_shows_the_cost(responses_sim):
    responses_sim.script(Reply("cheap", usage={"input": 1000, "output": 500}))
    done = run(responses_sim, "gpt-4o")
    assert done.returncode == 0, done.stderr
    # gpt-4o: 1000*2.5 + 500*10 µ$
    assert "usage: 1000 in, 500 out tokens over 1 request(s), $0.007500" in done.stderr


def test_the_usage_line_says_unpriced_never_zero(responses_sim):
    responses_sim.script(Reply("?", usage={"input": 1000, "output": 500}))
    done = run(responses_sim, "gpt-99-preview")
    assert done.returncode == 0, done.stderr
    assert "unpriced: gpt-99-preview" in done.stderr and "$0.0" not in done.stderr


def test_json_lines_carry_the_cost(responses_sim):
    responses_sim.script(Reply("cheap", usage={"input": 1000, "output": 500}))
    done = run(responses_sim, "gpt-4o", "--json")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    usage_events = [e for e in events if e["type"] == "usage"]
    assert [e["usage"]["cost_usd"] for e in usage_events] == [0.0075]
    final = events[-1]
    assert final["type"] == "done"
    assert (final["usage"]["cost_usd"], final["usage"]["unpriced"], final["usage"]["free"]) == \
        (0.0075, [], False)
