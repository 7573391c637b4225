"""Docker mode against the private engine (scripts/docker-engine.sh): one container per agent,
its isolation (mounts, network, memory, sudo), and every way it can go wrong — a missing engine
or image, a container killed from outside, an owner killed with -9."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from agentplug.core.config import parse_config
from agentplug.core.errors import ConfigError
from agentplug.toolsets.command_line.process import SandboxError
from agentplug.toolsets.command_line.server import CommandLine, ToolFailure
from agentplug.toolsets.command_line.settings import CommandLineSettings, DockerSettings

from cl_support import IMAGE, containers, descendants, docker

pytestmark = pytest.mark.docker


@pytest.fixture
def sandbox(docker_env, user_dir, opened):
    async def make(cwd=None, context_paths=(), **docker_settings) -> CommandLine:
        return await opened(CommandLineSettings(
            cwd=str(cwd or user_dir), mode="docker",
            context_paths=tuple(str(p) for p in context_paths),
            docker=DockerSettings(**docker_settings)))
    return make


async def run(cl: CommandLine, command: str, **kw) -> dict:
    return await cl.execute(command, **kw)


async def test_one_container_isolates_and_keeps_state_across_commands(sandbox, user_dir,
                                                                      tmp_path, docker_env):
    context = tmp_path / "docs"
    context.mkdir()
    (context / "spec.txt").write_text("the spec")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    try:
        cl = await sandbox(context_paths=[context])
        box = cl.runner.container
        assert (await asyncio.to_thread(containers, docker_env)) == [box.id]
        inside = await run(cl, "hostname; test -f /.dockerenv && echo dockerenv; id -u; pwd")
        assert inside["stdout"].split() == [box.id[:12], "dockerenv", "1000", str(user_dir)]
        assert box.id[:12] != socket.gethostname()
        # cwd: read-write, same path, files owned by the project's owner
        wrote = await run(cl, "python3 -c \"open('made.txt', 'w').write('hi')\" && echo ok")
        assert wrote["stdout"] == "ok\n" and (user_dir / "made.txt").read_text() == "hi"
        assert (user_dir / "made.txt").stat().st_uid == 1000
        # another context path: readable, not writable
        ro = await run(cl, f"cat {context}/spec.txt; touch {context}/new")
        assert ro["stdout"] == "the spec" and ro["exit_code"] != 0
        assert "Read-only file system" in ro["stderr"] and not (context / "new").exists()
        # network none: only loopback, and the host's 127.0.0.1 port is not reachable
        probe = (f"import os, socket\nprint(sorted(os.listdir('/sys/class/net')))\n"
                 f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
                 "    print('reached')\nexcept OSError as e:\n    print('unreachable', "
                 "type(e).__name__)\n")
        (user_dir / "probe.py").write_text(probe)
        net = await run(cl, "python3 probe.py")
        assert net["stdout"].splitlines() == ["['lo']", "unreachable ConnectionRefusedError"]
        socket.create_connection(("127.0.0.1", port), timeout=3).close()  # it is listening
        # the same container serves every command: state outside cwd persists
        await run(cl, "echo kept > /tmp/state")
        assert (await run(cl, "cat /tmp/state"))["stdout"] == "kept\n"
        assert cl.runner.container.id == box.id
    finally:
        listener.close()


async def test_a_memory_hog_is_killed_and_reported(sandbox):
    cl = await sandbox(memory_limit="64m")
    hog = await run(cl, "python3 -c 'x = bytearray(300 * 1024 * 1024); print(len(x))'")
    assert hog["exit_code"] == 137 and hog["success"] is False and hog["stdout"] == ""
    assert "memory limit (command_line_docker_memory_limit: 64m)" in hog["note"]
    assert (await run(cl, "echo still usable"))["stdout"] == "still usable\n"


async def test_sudo_works_only_when_enabled(sandbox, user_dir, tmp_path):
    plain = await sandbox()
    assert (await run(plain, "id -u"))["stdout"] == "1000\n"
    denied = await run(plain, "sudo id -u")
    assert denied["exit_code"] != 0 and denied["stdout"] == ""
    assert (await run(plain, "touch /etc/agentplug-probe"))["exit_code"] != 0
    other = tmp_path / "rooted"
    other.mkdir()
    rooted = await sandbox(cwd=other, enable_sudo=True)
    assert (await run(rooted, "sudo id -u"))["stdout"] == "0\n"
    made = await run(rooted, "sudo touch /etc/agentplug-probe && echo done")
    assert made["stdout"] == "done\n"


async def test_a_timeout_kills_the_tree_inside_the_container(sandbox):
    cl = await sandbox()
    started = time.monotonic()
    with pytest.raises(ToolFailure, match="timed out after 1 s"):
        await run(cl, "sleep 300 & setsid sleep 301 & sleep 302", timeout=1)
    assert time.monotonic() - started < 15
    left = await run(cl, "ls /proc | grep -c '^[0-9]' ; cat /proc/[0-9]*/cmdline 2>/dev/null "
                         "| tr '\\0' ' '")
    assert "sleep 30" not in left["stdout"]  # and the autouse check scans the host's /proc


async def test_a_container_removed_from_outside_is_a_clear_error_then_replaced(sandbox,
                                                                               docker_env):
    cl = await sandbox()
    first = cl.runner.container.id
    await asyncio.to_thread(docker, docker_env, "rm", "-f", first)
    with pytest.raises(ToolFailure, match="stopped or removed from outside between commands"):
        await run(cl, "echo hi")
    assert (await run(cl, "echo back"))["stdout"] == "back\n"
    assert cl.runner.container.id != first
    # killed while a command runs
    task = asyncio.create_task(run(cl, "sleep 30"))
    await asyncio.sleep(1.0)
    killed = await asyncio.to_thread(docker, docker_env, "kill", cl.runner.container.id)
    try:
        result = await asyncio.wait_for(task, 30)
    except ToolFailure as exc:
        assert "stopped or removed from outside" in str(exc)
    else:
        raise AssertionError(f"the command survived its container: {result}, {killed}")
    assert (await run(cl, "echo again"))["stdout"] == "again\n"


async def test_missing_engine_and_missing_image_are_clear_errors(docker_env, user_dir,
                                                                 tmp_path, monkeypatch):
    absent = CommandLine(CommandLineSettings(cwd=str(user_dir), mode="docker",
                                             docker=DockerSettings(image="local/absent:nope")))
    with pytest.raises(SandboxError, match="never pulls images") as info:
        await absent.open()
    assert "'local/absent:nope'" in str(info.value)
    await absent.close()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    nowhere = CommandLine(CommandLineSettings(cwd=str(user_dir), mode="docker"))
    with pytest.raises(SandboxError, match="needs a Docker engine") as info:
        await nowhere.open()
    assert f"unix://{tmp_path}/no-engine.sock" in str(info.value)
    assert "scripts/docker-engine.sh start" in str(info.value)
    await nowhere.close()


def test_host_networking_is_refused_in_the_config():
    text = ("agent:\n  backend:\n    type: chatcompletion\n    model: m\n"
            "    enable_mcp_command_line: true\n    command_line_docker_network_mode: host\n")
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="net.yaml")
    assert "net.yaml:6" in str(info.value) and "'none' or 'bridge'" in str(info.value)


def test_packages_without_network_are_a_located_config_error():
    text = ("agent:\n  backend:\n    type: chatcompletion\n    model: m\n"
            "    enable_mcp_command_line: true\n    command_line_execution_mode: docker\n"
            "    command_line_docker_packages:\n      preinstall:\n        python: [numpy]\n")
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="pkgs.yaml")
    message = str(info.value)
    assert "pkgs.yaml:7" in message and "command_line_docker_packages" in message
    assert "set it to bridge" in message


async def start_server(host: str, cwd, agent_id: str) -> tuple[subprocess.Popen, str]:
    """A command-line server (not spoken to): it starts its container at once."""
    server = subprocess.Popen(
        [sys.executable, "-m", "agentplug.toolsets.command_line", "--cwd", str(cwd),
         "--mode", "docker", "--agent-id", agent_id],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "DOCKER_HOST": host})
    for _ in range(900):
        boxes = await asyncio.to_thread(containers, host)
        if (boxes and descendants(server.pid)) or server.poll() is not None:
            break
        await asyncio.sleep(0.1)
    assert len(boxes) == 1, server.stderr.read().decode() if server.poll() is not None else ""
    return server, boxes[0]


def kill9(*pids: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


async def wait_gone(host: str, box: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if box not in await asyncio.to_thread(containers, host):
            return True
        await asyncio.sleep(0.2)
    return False


async def test_kill_9_of_the_owner_still_removes_its_container(docker_env, user_dir, sandbox):
    # 1. the server's reaper removes the container the moment its owner dies
    server, box = await start_server(docker_env, user_dir, "doomed")
    try:
        kill9(server.pid)
        server.wait()
        assert await wait_gone(docker_env, box), "the reaper did not remove the container"
    finally:
        kill9(server.pid)
        for stream in (server.stdin, server.stdout, server.stderr):
            stream.close()
    # 2. reaper and owner both killed: the next server on the engine removes the container
    server, box = await start_server(docker_env, user_dir, "doomed2")
    try:
        kill9(*descendants(server.pid), server.pid)
        server.wait()
        await asyncio.sleep(0.5)
        assert box in await asyncio.to_thread(containers, docker_env)  # nobody removed it
    finally:
        for stream in (server.stdin, server.stdout, server.stderr):
            stream.close()
    cl = await sandbox()
    assert any(name.startswith("agentplug-doomed2-") for name in cl.runner.reaped)
    assert await asyncio.to_thread(containers, docker_env) == [cl.runner.container.id]


async def test_image_default_is_the_offline_one():
    assert DockerSettings().image == IMAGE


async def test_credentials_reach_the_container_and_no_message(sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-canary-1234")
    secret_dir = tmp_path / "aws"
    secret_dir.mkdir()
    (secret_dir / "credentials").write_text("key=canary-file\n")
    cl = await sandbox(env_vars=("GITHUB_TOKEN",),
                       mounts=((str(secret_dir), "/home/agentplug/.aws"),))
    seen = await run(cl, "echo $GITHUB_TOKEN; cat ~/.aws/credentials; "
                         "touch ~/.aws/x 2>&1 || echo read-only")
    assert seen["stdout"].splitlines()[:2] == ["ghp-canary-1234", "key=canary-file"]
    assert "Read-only file system" in seen["stdout"]
    monkeypatch.delenv("GITHUB_TOKEN")
    missing = CommandLine(CommandLineSettings(cwd=str(tmp_path), mode="docker",
                                              docker=DockerSettings(env_vars=("GITHUB_TOKEN",))))
    with pytest.raises(SandboxError, match="env_vars: GITHUB_TOKEN not set") as info:
        await missing.open()
    assert "canary" not in str(info.value)
    await missing.close()


class EngineProxy:
    """A unix socket in front of the engine's, to make the engine vanish mid-command."""

    def __init__(self, target: str, path: str) -> None:
        self.target, self.path = target.removeprefix("unix://"), path
        self.links: list[socket.socket] = []
        self.server: socket.socket | None = None

    def start(self) -> None:
        import threading

        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(self.path)
        self.server.listen()
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        import threading

        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.target)
            self.links += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for s in self.links:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self.links.clear()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


async def test_an_engine_that_stops_answering_mid_command_is_a_tool_error(
        docker_host, user_dir, tmp_path, monkeypatch):
    proxy = EngineProxy(docker_host, str(tmp_path / "engine.sock"))
    proxy.start()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{proxy.path}")
    cl = CommandLine(CommandLineSettings(cwd=str(user_dir), mode="docker"))
    try:
        await cl.open()
        task = asyncio.create_task(run(cl, "sleep 20"))
        await asyncio.sleep(1.5)
        proxy.stop()
        with pytest.raises(ToolFailure, match="stopped answering"):
            await asyncio.wait_for(task, 30)
        with pytest.raises(ToolFailure, match="stopped answering between commands"):
            await run(cl, "echo hi")
        proxy.start()  # the engine is back: the agent carries on
        assert (await run(cl, "echo back"))["stdout"] == "back\n"
    finally:
        await cl.close()
        proxy.stop()
