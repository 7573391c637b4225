"""Fixtures for the AG2 suite: simulator-backed agentplug agents, process checks, and a
private Docker engine (scripts/docker-engine.sh) for the docker executor tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agentplug import create_agent
from agentplug.testing import ChatCompletionsSimulator

from ag2_support import llm

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "scripts" / "docker-engine.sh"


@pytest.fixture(scope="session", autouse=True)
def _venv_on_path():
    # AG2's LocalJupyterServer checks `jupyter kernelgateway` on PATH.
    bin_dir = str(Path(sys.executable).parent)
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = bin_dir + os.pathsep + old
    yield
    os.environ["PATH"] = old


@pytest.fixture
def sims():
    """Simulators on demand, one per agent, all stopped at the end."""
    started: list[ChatCompletionsSimulator] = []

    def make(*script, default=None) -> ChatCompletionsSimulator:
        sim = ChatCompletionsSimulator(*script, default=default).start()
        started.append(sim)
        return sim
    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def sim_agent(sims):
    """An agentplug agent on its own scripted simulator: returns (agent, simulator)."""
    def make(agent_id: str, *script, tools=(), system_message=None):
        sim = sims(*script)
        agent = create_agent(llm(sim), id=agent_id, tools=tools, system_message=system_message)
        return agent, sim
    return make


@pytest.fixture(scope="session")
def docker_engine():
    """DOCKER_HOST of a running engine, started by scripts/docker-engine.sh if needed (and
    then stopped at the end); skips with the reason when none can be started."""
    if not ENGINE.exists():
        pytest.skip("scripts/docker-engine.sh is missing")
    if shutil.which("dockerd") is None:
        pytest.skip("no dockerd here: run scripts/setup.d/40-docker.sh (apt docker.io)")
    status = subprocess.run(["bash", str(ENGINE), "status"], capture_output=True, text=True)
    started = status.returncode != 0
    if started:
        up = subprocess.run(["bash", str(ENGINE), "start"], capture_output=True, text=True,
                            timeout=600)
        if up.returncode != 0:
            pytest.skip(f"no Docker engine could be started: {up.stderr.strip()[-500:]}")
    env = subprocess.run(["bash", str(ENGINE), "env"], capture_output=True, text=True)
    host = _docker_host(env.stdout)
    if not host:
        pytest.skip(f"scripts/docker-engine.sh env printed no DOCKER_HOST: {env.stdout!r}")
    yield host
    if started:
        subprocess.run(["bash", str(ENGINE), "stop"], capture_output=True, timeout=120)


def _docker_host(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().removeprefix("export ").strip()
        if line.startswith("DOCKER_HOST="):
            return line.split("=", 1)[1].strip("'\"")
    return None
