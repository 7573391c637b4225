"""The Remyx executor under ``type: ag2``, as a user runs it (``agentplug run``): the real
``remyxai`` SDK looks the paper's image up from the Remyx simulator, AG2's RemyxCodeExecutor
runs the code in that image on the private Docker engine (network off). A child process,
because ``remyxai`` reads its URL when it is first imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("autogen")
pytest.importorskip("remyxai")

from agentplug.testing import Reply  # noqa: E402
from agentplug.testing.remyx import RemyxSimulator  # noqa: E402

from ag2_support import llm  # noqa: E402

AGENTPLUG = str(Path(sys.executable).parent / "agentplug")
PAPER = "2010.11929"
DOCKER_IMAGE = "local/python:bookworm"  # built by scripts/docker-engine.sh


@pytest.mark.docker
@pytest.mark.timeout(300)
def test_remyx_runs_the_code_in_the_image_remyx_names(sims, tmp_path, docker_engine):
    model = sims(Reply("```python\nimport platform\nprint('in', platform.system(), 6 * 7)\n```"),
                 Reply("It printed 42. TERMINATE"))
    config = tmp_path / "agent.yaml"
    config.write_text(f"""\
agent:
  backend:
    type: ag2
    agent_config: {{type: assistant, name: paper}}
    code_execution_config:
      executor: {{type: RemyxCodeExecutor, arxiv_id: "{PAPER}", timeout: 60}}
    llm: {json.dumps(llm(model))}
""")
    with RemyxSimulator({PAPER: DOCKER_IMAGE}) as remyx:
        result = subprocess.run(
            [AGENTPLUG, "run", "-c", str(config), "--json", "Run the paper's demo"],
            capture_output=True, text=True, timeout=300, cwd=tmp_path,
            env={**os.environ, **remyx.env, "DOCKER_HOST": docker_engine,
                 "AGENTPLUG_LOAD_ENTRY_POINTS": "0"})
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    runs = [e for e in events if e["type"] == "builtin_tool" and e["status"] == "completed"]
    assert runs[0]["name"] == "remyx" and runs[0]["stdout"].strip() == "in Linux 42"
    assert remyx.lookups and set(remyx.lookups) == {PAPER}
    assert events[-1]["type"] == "done" and "It printed 42." in json.dumps(events[-1])
