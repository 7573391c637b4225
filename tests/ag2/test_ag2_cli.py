"""`agentplug team` and the AG2 examples, run as users run them (child processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentplug import load_config
from agentplug.adapters.ag2.team_config import parse_team
from agentplug.testing import Reply

ROOT = Path(__file__).resolve().parents[2]
AGENTPLUG = str(Path(sys.executable).parent / "agentplug")
# A child process imports AG2 afresh (with every cloud executor SDK installed, tens of seconds
# on a loaded 2-core machine): bounded, but not by the default 120 s.
pytestmark = pytest.mark.timeout(300)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=240, cwd=cwd,
                          env={**os.environ, "AGENTPLUG_LOAD_ENTRY_POINTS": "0"})


def test_team_command_streams_speakers_code_runs_and_a_summary(sims, tmp_path):
    writer = sims(Reply("We need the sum of 1..100.", usage={"input": 10, "output": 8}),
                  Reply("Confirmed: 5050. TERMINATE", usage={"input": 40, "output": 6}))
    coder = sims(Reply("```python\nprint(sum(range(101)))\n```", usage={"input": 20, "output": 9}),
                 Reply("The sum is 5050. TERMINATE", usage={"input": 30, "output": 7}))
    config = tmp_path / "team.yaml"
    config.write_text(f"""\
agents:
  - id: writer
    backend: {{type: chatcompletion, model: m, base_url: "{writer.base_url}"}}
  - id: coder
    backend:
      type: ag2
      agent_config: {{type: assistant, name: coder}}
      code_execution_config: {{executor: {{type: local, timeout: 30}}}}
      llm: {{type: chatcompletion, model: m, base_url: "{coder.base_url}"}}
team: {{agents: [writer, coder], max_rounds: 4}}
""")
    result = run(AGENTPLUG, "team", "-c", str(config), "Add the numbers 1 to 100", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    err, out = result.stderr, result.stdout
    assert err.index("── writer ──") < err.index("── coder ──")
    assert "[code_execution:local completed] print(sum(range(101)))" in err
    assert "We need the sum of 1..100." in out and "The sum is 5050. TERMINATE" in out
    # the coder's TERMINATE ends its own coding loop; the writer's ends the team
    assert out.rstrip().endswith("── summary ──\nConfirmed: 5050.")
    assert "team finished after 3 turn(s): writer → coder → writer" in err
    assert "usage: 100 in, 30 out tokens over 4 request(s)" in err
    assert (tmp_path / "ag2_work" / "coder").is_dir()


def test_team_command_reports_a_bad_team_config(tmp_path):
    config = tmp_path / "team.yaml"
    config.write_text("agents:\n  - id: a\n    backend: {type: chatcompletion, model: m, "
                      "base_url: 'http://127.0.0.1:9/v1'}\nteam: {pattern: vote}\n")
    result = run(AGENTPLUG, "team", "-c", str(config), "task", cwd=tmp_path)
    assert result.returncode == 1
    assert f"{config}:4: team.pattern: unknown pattern 'vote'" in result.stderr


@pytest.mark.parametrize("name", ["ag2.yaml", "ag2_docker.yaml", "ag2_jupyter.yaml",
                                  "ag2_team.yaml"])
def test_example_configs_are_valid(name):
    config = load_config(ROOT / "examples" / name)
    if config.team is not None:
        assert parse_team(config).agents == ("planner", "coder", "reviewer")
    assert any(a.spec.type == "ag2" for a in config.agents)


def test_framework_agnostic_example_runs_alone_and_in_a_group_chat(tmp_path):
    result = run(sys.executable, str(ROOT / "examples" / "framework_agnostic.py"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    alone, team = result.stdout.split("== the same agent in an AG2 GroupChat ==")
    assert "23 is prime." in alone
    assert "[solver] 23 is prime." in team and "[checker] Correct" in team
