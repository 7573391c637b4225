"""The runnable examples of docs/cost.md, docs/fallback.md and docs/tracing.md run as written
and print what the pages say they print."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def example(page: str) -> str:
    (code,) = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), re.S)
    return code


def run(page: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.pop("AGENTPLUG_TRACING", None)
    done = subprocess.run([sys.executable, "-c", example(page)], capture_output=True,
                          text=True, timeout=90, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_cost_example():
    out = run("cost.md").splitlines()
    assert [line.split(" ", 1)[0] for line in out[:3]] == ["1", "2", "3"]
    assert all(line.endswith(", $0.007500") for line in out[:3])
    assert out[3] == ("turn refused: run budget spent: $0.022500 of max_cost_usd $0.02 "
                      "(raise the limit, or start a new run)")


def test_fallback_example():
    out = run("fallback.md").splitlines()
    assert out[0].startswith("notice fallback: openai (gpt-5-mini) failed before answering "
                             "(HTTP 429")
    assert out[1] == "done Hello from the second backend."
    assert out[2].startswith("notice fallback: skipping openai (gpt-5-mini)")
    assert out[3] == "done Hello from the second backend."


def test_tracing_example():
    pytest.importorskip("opentelemetry.sdk")
    out = run("tracing.md")
    names = re.findall(r'^    "name": "([^"]+)"', out, re.M)
    assert names == ["chat demo", "execute_tool weather", "chat demo", "invoke_agent agent",
                     "invoke_workflow demo"]
    assert "21 °C and clear in Oslo." in out
