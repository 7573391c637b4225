"""The docker executor: a clear error at open when no engine is reachable (always tested),
and real runs in a container with the network off (skipped where no engine can start)."""

from __future__ import annotations

import subprocess

import pytest

pytest.importorskip("autogen")

from agentplug import BuiltinToolEvent, create_agent  # noqa: E402
from agentplug.adapters.ag2 import ExecutorUnavailableError, open_executor  # noqa: E402
from agentplug.testing import Reply  # noqa: E402

from ag2_support import llm  # noqa: E402

IMAGE = "local/python:bookworm"


def docker_backend(sim, tmp_path, **executor):
    return {"type": "ag2", "agent_config": {"type": "assistant", "name": "boxed"},
            "llm": llm(sim), "cwd": str(tmp_path),
            "code_execution_config": {"executor": {"type": "docker", "timeout": 30,
                                                   **executor}}}


async def test_no_engine_fails_at_open_with_a_clear_message(sims, tmp_path, monkeypatch):
    socket = tmp_path / "no-engine.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{socket}")
    sim = sims(Reply("never asked"))
    agent = create_agent(docker_backend(sim, tmp_path, image=IMAGE))
    with pytest.raises(ExecutorUnavailableError) as info:
        await agent.open()
    message = str(info.value)
    assert "needs a Docker engine" in message and f"unix://{socket}" in message
    assert "scripts/docker-engine.sh start" in message and "local or jupyter" in message
    assert sim.requests == []  # nothing ran


@pytest.fixture
def docker_env(docker_engine, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", docker_engine)
    return docker_engine


def containers(host: str) -> list[str]:
    out = subprocess.run(["docker", "-H", host, "ps", "-aq", "--no-trunc"], capture_output=True,
                         text=True, check=True).stdout
    return out.split()


async def test_missing_image_is_named_and_never_pulled(docker_env, tmp_path):
    with pytest.raises(ExecutorUnavailableError, match="never pulls images"):
        open_executor({"type": "docker", "image": "local/absent:nope"}, cwd=tmp_path, name="x")


async def test_code_runs_in_a_container_without_network(docker_env, sims, tmp_path):
    probe = ("import os, socket\n"
             "print(sorted(os.listdir('/sys/class/net')))\n"
             "try:\n"
             "    socket.create_connection(('10.0.0.1', 80), timeout=2)\n"
             "except OSError as exc:\n"
             "    print('offline', type(exc).__name__)\n"
             "print(6 * 7)")
    sim = sims(Reply(f"```python\n{probe}\n```"), Reply("done TERMINATE"))
    agent = create_agent(docker_backend(sim, tmp_path, image=IMAGE))
    async with agent:
        container = agent.backend.executor_handle.container_id
        assert container in containers(docker_env)
        events = [e async for e in agent.stream("probe the sandbox")]
    run = [e for e in events if isinstance(e, BuiltinToolEvent) and e.status != "started"][0]
    assert run.name == "docker" and run.return_code == 0
    lines = run.stdout.splitlines()
    assert lines[0] == "['lo']" and lines[1].startswith("offline") and lines[2] == "42"
    assert container not in containers(docker_env), "the container outlived its agent"
    assert (tmp_path / "ag2_work" / "boxed").is_dir()
