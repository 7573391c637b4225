"""The README's first command, run as a user runs it: no key, the embedded model answers."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from agentplug.testing import Reply, ResponsesSimulator
from local_support import needs_model
from local_support import keyless_env, llama_children, wait_gone

AGENTPLUG = str(Path(sys.executable).parent / "agentplug")


def agentplug(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AGENTPLUG, *args], capture_output=True, text=True, timeout=150,
                          env=keyless_env(**env))


@needs_model
def test_run_without_any_key_answers_with_the_local_model():
    result = agentplug("run", "What is the capital of France?")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    err = result.stderr
    assert "agentplug: starting the local model (SmolLM2-135M-Instruct, " in err
    assert "using backend" not in err  # no key: no selection line, local is the default
    assert "(stop: " in err


@needs_model
def test_backend_local_wins_over_a_provider_key():
    result = agentplug("run", "--backend", "local", "-m", "SmolLM2-135M-Instruct",
                       "Name one colour.", OPENAI_API_KEY="sk-not-used")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "starting the local model" in result.stderr
    assert "using backend 'openai'" not in result.stderr


def test_a_provider_key_picks_its_backend_and_says_why_in_one_line():
    with ResponsesSimulator(Reply("from the simulator")) as sim:
        result = agentplug("run", "-m", "gpt-x", "--base-url", sim.base_url, "hi",
                           OPENAI_API_KEY="sk-test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from the simulator"
    lines = result.stderr.splitlines()
    assert lines[0] == ("agentplug: using backend 'openai' because OPENAI_API_KEY is set "
                        "(--backend local needs no key)")
    assert "starting the local model" not in result.stderr


@needs_model
def test_ctrl_c_mid_answer_exits_130_and_stops_the_server(tmp_path):
    # min_tokens (a llama-cpp-python request field) keeps the answer going until the signal.
    config = tmp_path / "long.yaml"
    config.write_text("agent:\n  backend:\n    type: local\n    max_tokens: 400\n"
                      "    extra_body: {min_tokens: 300}\n")
    proc = subprocess.Popen([AGENTPLUG, "run", "-c", str(config), "Count to a hundred."],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=keyless_env())
    try:
        assert proc.stdout.read(1), proc.stderr.read()  # type: ignore[union-attr]
        servers = llama_children(proc.pid)
        assert len(servers) == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 130
        err = proc.stderr.read()  # type: ignore[union-attr]
        assert "agentplug: interrupted" in err and "(stop: " not in err
        assert wait_gone(servers[0], 5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_missing_extra_names_the_pip_command(tmp_path):
    # `llama_cpp` hidden the way Python itself models an absent module (sys.modules entry
    # None): find_spec says "not installed" and imports fail.
    code = ("import sys; sys.modules['llama_cpp'] = None; from agentplug.cli import main; "
            "sys.exit(main(['run', '-b', 'local', 'hi']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, env=keyless_env())
    assert result.returncode == 1
    assert "'llama-cpp-python' package is not installed" in result.stderr
    assert "pip install 'agentplug[local]'" in result.stderr
    assert "-DGGML_NATIVE=OFF" in result.stderr


def test_a_missing_model_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "nope.gguf"
    result = agentplug("run", "-b", "local", "-m", str(missing), "hi")
    assert result.returncode == 1
    assert f"backend.model: Value error, no such file: {missing}" in result.stderr
    assert "agentplug models" in result.stderr and "Traceback" not in result.stderr
