"""What a third-party author does: pip install a distribution with an `agentplug` entry point,
then find it listed and runnable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "examples" / "agentplug-echo-plugin"
AGENTPLUG = str(Path(sys.executable).parent / "agentplug")


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "-q", *args], check=True, timeout=180,
                   capture_output=True)


@pytest.fixture(scope="module")
def installed_plugin():
    pip("install", "--no-deps", "--no-build-isolation", str(PLUGIN))
    try:
        yield
    finally:
        pip("uninstall", "-y", "agentplug-echo")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AGENTPLUG, *args], capture_output=True, text=True, timeout=60)


def test_installed_plugin_is_listed(installed_plugin):
    out = run("backends", "--json")
    assert out.returncode == 0, out.stderr
    rows = {r["type"]: r for r in json.loads(out.stdout)["backends"]}
    assert rows["echo"]["plugin"] == "echo"
    assert rows["echo"]["title"] == "Echo (example plugin)"


def test_installed_plugin_runs_from_the_cli(installed_plugin):
    out = run("run", "-b", "echo", "hello plugin world")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hello plugin world"
    assert "usage:" in out.stderr


def test_installed_plugin_runs_from_a_config_with_its_params(installed_plugin, tmp_path):
    config = tmp_path / "echo.yaml"
    config.write_text("agent:\n  backend: {type: echo, prefix: 'you said: ', uppercase: true}\n")
    assert run("check", str(config)).returncode == 0
    out = run("run", "-c", str(config), "hi")
    assert out.stdout.strip() == "you said: HI"
    config.write_text("agent:\n  backend: {type: echo, upper: true}\n")
    bad = run("check", str(config))
    assert bad.returncode == 1
    assert "did you mean 'uppercase'?" in bad.stderr


async def test_plugin_tool_loop_in_process(installed_plugin):
    from agentplug.build import create_agent
    from agentplug.core.host import PluginHost

    def shout(text: str) -> str:
        return text.upper()

    agent = create_agent({"type": "echo"}, tools=[shout], host=PluginHost())
    async with agent:
        result = await agent.run('call shout {"text": "quiet"}')
    assert result.text == "QUIET"


def test_installed_plugin_adds_a_command(installed_plugin):
    out = run("reverse", "hello plugin")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "nigulp olleh"
    assert "reverse" in run("--help").stdout


def test_installed_plugin_toolset_reaches_the_model_by_name(installed_plugin, tmp_path):
    config = tmp_path / "tools.yaml"
    config.write_text("agent:\n  backend: {type: echo}\n"
                      "  toolsets: [{name: text_tools, repeat: 3}]\n")
    assert run("check", str(config)).returncode == 0
    out = run("run", "-c", str(config), 'call echo_n {"text": "hop"}')
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hop hop hop"
    config.write_text("agent:\n  backend: {type: echo}\n  toolsets: [text_tool]\n")
    bad = run("check", str(config))
    assert bad.returncode == 1
    assert "unknown toolset 'text_tool'" in bad.stderr
    assert "did you mean 'text_tools'?" in bad.stderr
