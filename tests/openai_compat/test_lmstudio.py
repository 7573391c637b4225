"""lmstudio: the lms lifecycle against a fake lms executable first on PATH (it records its
calls and keeps server/model state), the chat path against the simulator."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from agentplug import BackendError, Notice, UsageError, create_agent
from agentplug.testing import Reply
from compat_support import collect

FAKE = Path(__file__).with_name("fake_lms.py")
MODEL = "qwen/qwen3-4b"


class FakeLms:
    def __init__(self, directory: Path, port: int, **state) -> None:
        self.state_file = directory / "lms-state.json"
        self.state_file.write_text(json.dumps({
            "running": False, "port": port, "downloaded": [], "loaded": [], "calls": [],
            **state}))

    def install(self, bin_dir: Path) -> Path:
        bin_dir.mkdir(parents=True, exist_ok=True)
        exe = bin_dir / "lms"
        exe.write_text(f"#!{sys.executable}\nimport runpy, sys\n"
                       f"runpy.run_path({str(FAKE)!r}, run_name='__main__')\n")
        exe.chmod(0o755)
        return exe

    @property
    def state(self) -> dict:
        return json.loads(self.state_file.read_text())

    @property
    def calls(self) -> list[str]:
        return [" ".join(c) for c in self.state["calls"]]


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def fake(tmp_path, sim, home, monkeypatch):
    fake = FakeLms(tmp_path, sim.port)
    monkeypatch.setenv("FAKE_LMS_STATE", str(fake.state_file))
    bin_dir = fake.install(tmp_path / "bin").parent
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return fake


def _set(fake: FakeLms, **state) -> None:
    fake.state_file.write_text(json.dumps({**fake.state, **state}))


async def test_starts_downloads_loads_then_undoes_only_that(fake, sim):
    sim.script(Reply("local answer"))
    async with create_agent({"type": "lmstudio", "model": MODEL}) as agent:
        assert (await agent.run("hi")).text == "local answer"
        assert fake.state["running"] and fake.state["loaded"] == [MODEL]
    assert fake.calls == [
        "server status --json", "server start", "server status --json", "ls --json",
        f"get {MODEL} --yes", "ps --json", f"load {MODEL} --yes --identifier {MODEL}",
        f"unload {MODEL}", "server stop"]
    assert not fake.state["running"] and fake.state["loaded"] == []
    assert fake.state["downloaded"] == [MODEL]  # a download is kept
    # the chat went to the port lms reported
    assert sim.requests[0].path == "/v1/chat/completions"
    assert sim.requests[0].body["model"] == MODEL


async def test_a_server_and_model_the_user_runs_are_left_alone(fake, sim):
    _set(fake, running=True, downloaded=[MODEL], loaded=[MODEL])
    sim.script(Reply("ok"))
    async with create_agent({"type": "lmstudio", "model": MODEL}) as agent:
        await agent.run("x")
    assert fake.calls == ["server status --json", "ls --json", "ps --json"]
    assert fake.state["running"] and fake.state["loaded"] == [MODEL]


async def test_loads_a_downloaded_model_and_unloads_it_but_keeps_the_server(fake, sim):
    _set(fake, running=True, downloaded=[MODEL], loaded=["other"])
    sim.script(Reply("ok"))
    async with create_agent({"type": "lmstudio", "model": MODEL}) as agent:
        await agent.run("x")
    assert fake.calls[-2:] == [f"load {MODEL} --yes --identifier {MODEL}", f"unload {MODEL}"]
    assert fake.state["running"] and fake.state["loaded"] == ["other"]


async def test_failed_load_reports_lms_stderr_and_stops_the_server_it_started(fake):
    _set(fake, downloaded=[MODEL], fail={"load": "Error: not enough memory to load model"})
    agent = create_agent({"type": "lmstudio", "model": MODEL})
    with pytest.raises(BackendError, match="not enough memory") as info:
        await agent.open()
    assert "lms load" in str(info.value)
    assert fake.calls[-1] == "server stop" and not fake.state["running"]
    await agent.close()  # safe again


async def test_lms_off_path_is_bootstrapped_from_lm_studios_folder(tmp_path, sim, home,
                                                                   monkeypatch):
    fake = FakeLms(tmp_path, sim.port, running=True, downloaded=[MODEL], loaded=[MODEL])
    monkeypatch.setenv("FAKE_LMS_STATE", str(fake.state_file))
    fake.install(home / ".lmstudio" / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    sim.script(Reply("ok"))
    async with create_agent({"type": "lmstudio", "model": MODEL}) as agent:
        events = await collect(agent, "x")
    assert fake.calls[0] == "bootstrap" and fake.state["bootstrapped"]
    notices = [e for e in events if isinstance(e, Notice)]
    assert "bootstrap" in notices[0].message


async def test_lm_studio_absent_says_how_to_install_it(home, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    agent = create_agent({"type": "lmstudio", "model": MODEL})
    with pytest.raises(UsageError) as info:
        await agent.open()
    message = str(info.value)
    assert "LM Studio is not installed" in message
    assert "https://lmstudio.ai/download" in message and "lms bootstrap" in message
    assert "| sh" not in message and "| bash" not in message
    assert "manage_server: false" in message


async def test_remote_server_or_manage_server_false_never_runs_lms(fake, sim):
    sim.script(Reply("a"), Reply("b"))
    async with create_agent({"type": "lmstudio", "model": MODEL, "base_url": sim.base_url,
                             "manage_server": False}) as agent:
        await agent.run("x")
    remote = {"type": "lmstudio", "model": MODEL, "base_url": "http://gpu-box.lan:1234/v1"}
    agent = create_agent(remote)
    await agent.open()
    await agent.close()
    assert fake.calls == []


def test_model_is_required():
    from agentplug import ConfigError

    with pytest.raises(ConfigError, match="lmstudio needs `model`"):
        create_agent({"type": "lmstudio"})


async def test_a_failed_unload_still_stops_the_server_we_started(fake, sim):
    sim.script(Reply("ok"))
    agent = create_agent({"type": "lmstudio", "model": MODEL})
    async with agent:
        await agent.run("x")
        _set(fake, fail={"unload": "Error: model busy"})
    assert fake.calls[-2:] == [f"unload {MODEL}", "server stop"]
    assert not fake.state["running"]
