"""The CLI as users run it: a child process against the simulator on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentplug.testing import ChatCompletionsSimulator, Reply, ToolCallSpec

AGENTPLUG = str(Path(sys.executable).parent / "agentplug")
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path | None = None, env: dict | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AGENTPLUG, *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env={**os.environ, **(env or {})})


@pytest.fixture
def sim():
    with ChatCompletionsSimulator() as simulator:
        yield simulator


@pytest.fixture
def config(tmp_path, sim):
    path = tmp_path / "agent.yaml"
    path.write_text(f"""\
agents:
  - id: writer
    system_message: Be brief.
    backend:
      type: chatcompletion
      model: sim-model
      base_url: ${{SIM_URL}}
      max_retries: 0
  - id: other
    backend: {{type: chatcompletion, model: other-model, base_url: "{sim.base_url}"}}
""")
    return path


def test_help_and_usage_errors():
    assert run("--help").returncode == 0
    assert run().returncode == 2
    bad = run("run")
    assert bad.returncode == 2 and "the following arguments are required: prompt" in bad.stderr


def test_run_streams_text_to_stdout_and_usage_to_stderr(sim, config):
    sim.script(Reply("Hello from the simulator.", usage={"input": 9, "output": 4}))
    out = run("run", "-c", str(config), "hi", env={"SIM_URL": sim.base_url})
    assert out.returncode == 0, out.stderr
    assert out.stdout == "Hello from the simulator.\n"
    assert "usage: 9 in, 4 out tokens over 1 request(s)" in out.stderr
    body = sim.requests[0].body
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["model"] == "sim-model"


def test_run_selects_agent_and_overrides_model(sim, config):
    sim.script(Reply("ok"))
    out = run("run", "-c", str(config), "--agent", "other", "-m", "override", "hi",
              env={"SIM_URL": sim.base_url})
    assert out.returncode == 0, out.stderr
    assert sim.requests[0].body["model"] == "override"


def test_run_tool_activity_goes_to_stderr(sim, tmp_path):
    # A config-less tool run needs Python tools; here the model calls an unknown tool and
    # the error result is shown on stderr while the answer stays clean on stdout.
    sim.script(Reply(tool_calls=[ToolCallSpec("lookup", {"q": "x"})]), Reply("done"))
    config = tmp_path / "c.yaml"
    config.write_text(f"agent:\n  backend: {{type: chatcompletion, model: m, "
                      f"base_url: '{sim.base_url}'}}\n")
    out = run("run", "-c", str(config), "go")
    assert out.stdout == "done\n"
    assert '→ lookup({"q": "x"})' in out.stderr
    assert "✗ lookup: unknown tool 'lookup'" in out.stderr


def test_run_json_prints_event_lines(sim, config):
    sim.script(Reply("a b", reasoning="hmm"))
    out = run("run", "-c", str(config), "--json", "hi", env={"SIM_URL": sim.base_url})
    events = [json.loads(line) for line in out.stdout.splitlines()]
    types = [e["type"] for e in events]
    assert types == ["reasoning_delta", "text_delta", "text_delta", "usage", "done"]
    assert events[-1]["message"]["parts"][-1] == {"text": "a b", "kind": "text"}


def test_run_error_exit_code_and_message(sim, config):
    from agentplug.testing import Fault

    sim.script(Fault.http(401, message="invalid api key"))
    out = run("run", "-c", str(config), "hi", env={"SIM_URL": sim.base_url})
    assert out.returncode == 1
    assert "agentplug: error: HTTP 401: invalid api key" in out.stderr


def test_check_good_and_bad_configs(tmp_path, config):
    ok = run("check", str(config), env={"SIM_URL": "http://127.0.0.1:9/v1"})
    assert ok.returncode == 0, ok.stderr
    assert "ok: agent 'writer': chatcompletion sim-model" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("agents:\n  - id: a\n    backend:\n      type: chatcompletion\n"
                   "      model: m\n      base_url: http://x\n      enable_code_exec: true\n")
    out = run("check", str(bad))
    assert out.returncode == 1
    assert f"{bad}:7: agents[0].backend.enable_code_exec: unknown key" in out.stderr
    assert "did you mean 'enable_code_execution'?" in out.stderr
    assert "Traceback" not in out.stderr


def test_backends_table_json_and_docs_are_in_sync():
    table = run("backends")
    assert table.returncode == 0 and "chatcompletion" in table.stdout
    data = json.loads(run("backends", "--json").stdout)
    cc = next(r for r in data["backends"] if r["type"] == "chatcompletion")
    assert cc["tool_flags"]["enable_web_search"] == "varies"
    assert cc["presets"]["cerebras"]["env_var"] == "CEREBRAS_API_KEY"
    generated = run("backends", "--markdown", env={"AGENTPLUG_LOAD_ENTRY_POINTS": "0"}).stdout
    docs = (ROOT / "docs" / "backends.md").read_text()
    assert docs == generated, "regenerate: agentplug backends --markdown > docs/backends.md"


def test_env_file_in_working_directory_is_loaded(sim, tmp_path):
    sim.script(Reply("from dotenv"))
    (tmp_path / ".env").write_text(f"SIM_URL={sim.base_url}\n")
    (tmp_path / "c.yaml").write_text(
        "agent:\n  backend: {type: chatcompletion, model: m, base_url: '${SIM_URL}'}\n")
    env = {k: v for k, v in os.environ.items() if k != "SIM_URL"}
    out = subprocess.run([AGENTPLUG, "run", "-c", "c.yaml", "x"], capture_output=True,
                         text=True, timeout=60, cwd=tmp_path, env=env)
    assert out.stdout == "from dotenv\n", out.stderr


def test_ctrl_c_cancels_cleanly(sim, config):
    import signal
    import time

    sim.script(Reply("word " * 400, chunk_delay=0.02))
    proc = subprocess.Popen([AGENTPLUG, "run", "-c", str(config), "long answer"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "SIM_URL": sim.base_url})
    deadline = time.monotonic() + 30
    while not sim.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # mid-stream
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "agentplug: interrupted" in err
    assert "Traceback" not in err
    assert out.startswith("word ")
