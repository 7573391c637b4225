"""Fixtures for the command-line tool tests: a private Docker engine (scripts/docker-engine.sh,
started if needed and stopped at the end if started here), and an autouse check that no test
leaves a process or a container behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from agentplug.toolsets.command_line.server import CommandLine
from agentplug.toolsets.command_line.settings import CommandLineSettings

from cl_support import ENGINE, IMAGE, containers, descendants, docker, tagged_processes

_engine: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _nothing_left_behind():
    before = set(descendants())
    yield
    deadline = time.monotonic() + 15  # a closed MCP server takes a moment to clean up
    while True:
        left = [p for p in descendants() if p not in before]
        tagged = tagged_processes()
        boxes = containers(_engine["host"], mine=True) if _engine else []
        if not (left or tagged or boxes) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if boxes:
        docker(_engine["host"], "rm", "-f", *boxes)
    assert not tagged, f"processes started by a command outlived the test: {tagged}"
    assert not left, f"child processes outlived the test: {left}"
    assert not boxes, f"containers outlived the test: {boxes}"


@pytest.fixture(scope="session")
def docker_host():
    """DOCKER_HOST of the private engine with the local Python image; skips with the reason
    when no engine can run here."""
    if not ENGINE.exists() or shutil.which("dockerd") is None:
        pytest.skip("no dockerd here: run scripts/setup.d/40-docker.sh (apt docker.io)")
    status = subprocess.run(["bash", str(ENGINE), "status"], capture_output=True)
    started = status.returncode != 0
    if started:
        up = subprocess.run(["bash", str(ENGINE), "start"], capture_output=True, text=True,
                            timeout=600)
        if up.returncode != 0:
            pytest.skip(f"no Docker engine could be started: {up.stderr.strip()[-500:]}")
    env = subprocess.run(["bash", str(ENGINE), "env"], capture_output=True, text=True)
    host = env.stdout.strip().removeprefix("export DOCKER_HOST=")
    if docker(host, "image", "inspect", IMAGE).returncode != 0:
        pytest.skip(f"the engine has no {IMAGE} (nothing is pulled): "
                    "scripts/docker-engine.sh start builds it")
    _engine["host"] = host
    try:
        yield host
    finally:
        _engine.clear()
        if started:
            subprocess.run(["bash", str(ENGINE), "stop"], capture_output=True, timeout=120)


@pytest.fixture
def docker_env(docker_host, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    return docker_host


@pytest.fixture
async def opened():
    """Opens a CommandLine for the settings given; each is closed after the test, also one
    whose open failed."""
    made: list[CommandLine] = []

    async def open_(settings: CommandLineSettings) -> CommandLine:
        cl = CommandLine(settings)
        made.append(cl)
        await cl.open()
        return cl
    yield open_
    for cl in made:
        await cl.close()


@pytest.fixture
def user_dir(tmp_path):
    """A cwd owned by an unprivileged user (uid 1000), as a normal project is: in docker mode
    commands run as cwd's owner."""
    path = tmp_path / "project"
    path.mkdir()
    if os.geteuid() == 0:
        os.chown(path, 1000, 1000)
    return path
