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
from agentplug.core.host import default_host
from agentplug.testing import ChatCompletionsSimulator

from ag2_support import llm

# The plugin host and the AG2 runtimes load here, once, rather than inside the first test's
# event loop (the slow-callback guard watches it; under load these imports take seconds).
default_host()
import agentplug.plugins.ag2.backend  # noqa: E402,F401
import agentplug.plugins.ag2_agent.backend  # noqa: E402,F401

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "scripts" / "docker-engine.sh"
DOCKER_IMAGE = "local/python:bookworm"


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
    """DOCKER_HOST of a running engine with the local Python image: started by
    scripts/docker-engine.sh if needed (and stopped at the end if this fixture started it).
    Without the script, an engine already reachable from the environment is used. Skips with
    the reason when there is no engine."""
    if not ENGINE.exists():
        host = _ambient_engine()
        if host is None:
            pytest.skip("scripts/docker-engine.sh is missing and no Docker engine is reachable")
        yield _with_image(host)
        return
    if shutil.which("dockerd") is None:
        pytest.skip("no dockerd here: run scripts/setup.d/40-docker.sh (apt docker.io)")
    status = subprocess.run(["bash", str(ENGINE), "status"], capture_output=True, text=True)
    started = status.returncode != 0
    if started:
        up = subprocess.run(["bash", str(ENGINE), "start"], capture_output=True, text=True,
                            timeout=600)
        if up.returncode != 0:
            pytest.skip(f"no Docker engine could be started: {up.stderr.strip()[-500:]}")
    try:
        env = subprocess.run(["bash", str(ENGINE), "env"], capture_output=True, text=True)
        host = _docker_host(env.stdout)
        if not host:
            pytest.skip(f"scripts/docker-engine.sh env printed no DOCKER_HOST: {env.stdout!r}")
        yield _with_image(host)
    finally:
        if started:
            subprocess.run(["bash", str(ENGINE), "stop"], capture_output=True, timeout=120)


def _docker_host(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().removeprefix("export ").strip()
        if line.startswith("DOCKER_HOST="):
            return line.split("=", 1)[1].strip("'\"")
        if line.startswith(("unix://", "tcp://")):
            return line.split()[0]
    return None


def _ambient_engine() -> str | None:
    import docker

    try:
        client = docker.from_env(timeout=5)
        client.ping()
    except Exception:
        return None
    host = os.environ.get("DOCKER_HOST") or client.api.base_url
    client.close()
    return host.replace("http+docker://localhost", "unix:///var/run/docker.sock")


def _with_image(host: str) -> str:
    found = subprocess.run(["docker", "-H", host, "image", "inspect", DOCKER_IMAGE],
                           capture_output=True, text=True)
    if found.returncode != 0:
        pytest.skip(f"the engine at {host} has no {DOCKER_IMAGE} image (nothing is pulled): "
                    "scripts/docker-engine.sh start builds it")
    return host
