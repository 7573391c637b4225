"""Docker mode: one container per agent, started on open, reused by every command, removed
on close.

The container runs ``sleep infinity`` with ``cwd`` bind-mounted read-write at the same path,
the context paths and credential files read-only, the network off unless
``command_line_docker_network_mode: bridge``, and the configured memory and CPU limits.
Commands are ``docker exec``s as the owner of ``cwd`` (so files it creates belong to that
user), under ``no-new-privileges``; with ``command_line_docker_enable_sudo: true`` they run as
root inside the container instead.

Containers carry labels naming the process that owns them (boot id, pid, start time): a
container whose owner is dead (``kill -9``) is removed by the next server that starts on the
same engine. The engine is never asked to pull an image.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...core.requirements import require
from .dependencies import PIP_ENV, install_steps
from .environment import DEFAULT_PATH, with_venv
from .process import RUN_TAG, SandboxError, Sink
from .settings import CONTAINER_HOME, CommandLineSettings

LABEL = "agentplug.command_line"
OWNER_LABEL = "agentplug.command_line.owner"
AGENT_LABEL = "agentplug.command_line.agent"
PIDS_LIMIT = 1024
# An exec killed with its container can report its exit before the engine reports the
# container's; a signal death is checked against the container for this long.
KILL_SETTLE_S = 1.0

# Kills every process of the container that carries the command's tag (its whole tree, also
# children that left its process group). Plain sh, tr and grep: any Debian-like image has them.
_KILL_SCRIPT = (
    'for round in 1 2 3; do found=0; for p in /proc/[0-9]*; do '
    'if tr "\\000" "\\n" < "$p/environ" 2>/dev/null | grep -qx "$1"; then '
    'kill -9 "${p#/proc/}" 2>/dev/null && found=1; fi; done; '
    '[ "$found" = 0 ] && break; done')
_SUDO_SHIM = '#!/bin/sh\n# agentplug: commands already run as root here\nwhile [ $# -gt 0 ]; do case "$1" in -u|-g|-p|-C|-h) shift 2;; --) shift; break;; -*) shift;; *) break;; esac; done\nexec "$@"\n'  # noqa: E501


class ContainerGoneError(SandboxError):
    """The agent's container was stopped or removed by someone else."""


def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


def process_start(pid: int) -> str | None:
    """A process's start time (clock ticks since boot): tells a live owner from a reused pid."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def owner_token(pid: int | None = None) -> str:
    pid = pid or os.getpid()
    return f"{boot_id()}:{pid}:{process_start(pid)}"


def owner_alive(token: str) -> bool:
    boot, _, rest = token.partition(":")
    pid, _, start = rest.partition(":")
    if boot != boot_id() or not pid.isdigit():
        return True  # another machine's (or boot's) container: not ours to judge by pid
    return process_start(int(pid)) == start


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


class DockerProcess:
    def __init__(self, runner: DockerRunner, exec_id: str, tag: str, user: str) -> None:
        self.runner, self.exec_id, self.tag, self.user = runner, exec_id, tag, user
        self._stream: Any = None
        self._lock = threading.Lock()

    def _drain(self, stdout: Sink, stderr: Sink) -> None:
        api = self.runner.client.api
        try:
            for out, err in api.exec_start(self.exec_id, stream=True, demux=True):
                if out:
                    stdout(out)
                if err:
                    stderr(err)
        except Exception as exc:
            raise self.runner.lost(exc, "while the command ran") from None

    async def pump(self, stdout: Sink, stderr: Sink) -> None:
        await asyncio.to_thread(self._drain, stdout, stderr)

    def _exit_code(self) -> int:
        api = self.runner.client.api
        deadline = time.monotonic() + 5
        while True:
            try:
                info = api.exec_inspect(self.exec_id)
            except Exception as exc:
                raise self.runner.lost(exc, "after the command ended") from None
            if not info.get("Running") or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        code = info.get("ExitCode")
        if code is None or code < 0 or code >= 128:  # killed: by us, the kernel, or with
            # its container? (an exec that died with its container reports -1)
            self.runner.check_container("while the command ran", settle=KILL_SETTLE_S)
        return int(code) if code is not None else 137

    async def wait(self) -> int:
        return await asyncio.to_thread(self._exit_code)

    def _kill(self) -> None:
        with contextlib.suppress(Exception):
            self.runner.container.exec_run(["/bin/sh", "-c", _KILL_SCRIPT, "kill",
                                            f"{RUN_TAG}={self.tag}"], user=self.user)

    async def kill(self) -> None:
        await asyncio.to_thread(self._kill)


class DockerRunner:
    mode = "docker"

    def __init__(self, settings: CommandLineSettings,
                 env: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.docker = settings.docker
        self.env = dict(os.environ if env is None else env)
        self.client: Any = None
        self.container: Any = None
        self.user = "0:0"
        self.shell = "/bin/sh"
        self.wrap: list[str] = []
        self.reaped: list[str] = []
        self.reapers: list[Any] = []
        self.notices: list[str] = []  # what setting up the container did, for the model
        self.path = DEFAULT_PATH  # the image's PATH
        # A prefix picks its environment itself (MassGen's order), so no venv goes with it.
        self.venv = None if settings.command_prefix else settings.venv_path

    # lifecycle ---------------------------------------------------------------------------
    async def open(self) -> None:
        await asyncio.to_thread(self._open)

    async def close(self) -> None:
        await asyncio.to_thread(self._close)

    def _open(self) -> None:
        docker = require("docker", "docker")
        Path(self.settings.cwd).mkdir(parents=True, exist_ok=True)
        try:
            client = docker.from_env(timeout=60)
            client.ping()
        except Exception as exc:
            raise SandboxError(
                f"command_line_execution_mode: docker needs a Docker engine, and none answers "
                f"at {engine_address()} ({type(exc).__name__}). Start one (`bash "
                "scripts/docker-engine.sh start` runs a private engine and prints the "
                "DOCKER_HOST to export) or set command_line_execution_mode: local.") from None
        self.client = client
        self.reaped = self._reap()
        try:
            client.images.get(self.docker.image)
        except docker.errors.ImageNotFound:
            raise SandboxError(
                f"the image {self.docker.image!r} (command_line_docker_image) is not on the "
                f"engine at {engine_address()}, and agentplug never pulls images: build or "
                "pull it yourself (`bash scripts/docker-engine.sh start` builds "
                "local/python:bookworm), or name a local image (`docker images` lists "
                "them).") from None
        self._start_container()

    def _close(self) -> None:
        if self.container is not None:
            with contextlib.suppress(Exception):
                self.container.remove(force=True)
            self.container = None
        for reaper in self.reapers:  # their container is gone: let them go too
            with contextlib.suppress(Exception):
                reaper.stdin.close()
                reaper.wait(timeout=30)
        self.reapers.clear()
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
            self.client = None

    def _reap(self) -> list[str]:
        """Remove containers left by owners that died without closing them."""
        removed: list[str] = []
        try:
            found = self.client.containers.list(all=True, filters={"label": LABEL})
        except Exception:
            return removed
        for c in found:
            token = c.labels.get(OWNER_LABEL, "")
            mine_dead = not owner_alive(token)
            stale = not token.startswith(boot_id()) and c.status != "running"
            if mine_dead or stale:
                with contextlib.suppress(Exception):
                    c.remove(force=True)
                    removed.append(c.name)
        return removed

    def _mounts(self) -> list[Any]:
        from docker.types import Mount

        cwd = self.settings.cwd
        mounts = [Mount(target=cwd, source=cwd, type="bind", read_only=False)]
        for path in self.settings.context_paths:
            if not Path(path).exists():
                raise SandboxError(f"context path {path} does not exist: create it or drop it "
                                   "from command_line_context_paths")
            if Path(path).resolve() != Path(cwd).resolve():
                mounts.append(Mount(target=path, source=path, type="bind", read_only=True))
        for host, target in self.docker.mounts:
            if Path(host).exists():  # a credential the user does not have is skipped
                mounts.append(Mount(target=target, source=host, type="bind", read_only=True))
        return mounts

    def credential_env(self) -> dict[str, str]:
        d = self.docker
        out: dict[str, str] = {}
        if d.pass_all_env:
            out.update(self.env)
        if d.env_file:
            from dotenv import dotenv_values

            if not Path(d.env_file).is_file():
                raise SandboxError(f"command_line_docker_credentials.env_file: {d.env_file} "
                                   "is not a file")
            values = {k: v for k, v in dotenv_values(d.env_file).items() if v is not None}
            if d.env_vars_from_file is not None:
                values = {k: v for k, v in values.items() if k in d.env_vars_from_file}
            out.update(values)
        missing = [name for name in d.env_vars if name not in self.env]
        if missing:
            raise SandboxError("command_line_docker_credentials.env_vars: "
                               f"{', '.join(missing)} not set in the environment")
        out.update({name: self.env[name] for name in d.env_vars})
        return out

    def _start_container(self) -> None:
        d, s = self.docker, self.settings
        kwargs: dict[str, Any] = dict(
            image=d.image, command=["sleep", "infinity"], detach=True,
            name=f"agentplug-{_slug(s.agent_id)}-{uuid.uuid4().hex[:8]}",
            labels={LABEL: "1", OWNER_LABEL: owner_token(), AGENT_LABEL: s.agent_id},
            network_mode=d.network_mode, mounts=self._mounts(), working_dir=s.cwd,
            environment=self.credential_env(), stop_signal="SIGKILL", pids_limit=PIDS_LIMIT,
            init=True)
        if d.memory_limit:
            kwargs.update(mem_limit=d.memory_limit, memswap_limit=d.memory_limit)
        if d.cpu_limit:
            kwargs["nano_cpus"] = int(d.cpu_limit * 1e9)
        if not d.enable_sudo:
            kwargs["security_opt"] = ["no-new-privileges"]
        try:
            self.container = self.client.containers.run(**kwargs)
        except Exception as exc:
            with contextlib.suppress(Exception):  # created but not started: do not leave it
                self.client.containers.get(kwargs["name"]).remove(force=True)
            raise SandboxError(f"could not start a container from {d.image!r}: "
                               f"{_api_message(exc)}") from None
        self._watch(self.container.id)
        try:
            self._prepare()
        except BaseException:
            self._close_container()
            raise

    def _watch(self, container_id: str) -> None:
        """A reaper that removes the container if this process dies without doing it."""
        import subprocess
        import sys

        self.reapers.append(subprocess.Popen(
            [sys.executable, "-m", "agentplug.toolsets.command_line.reaper", container_id],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, env=self.env))

    def _close_container(self) -> None:
        with contextlib.suppress(Exception):
            self.container.remove(force=True)
        self.container = None

    def _root(self, script: str, workdir: str | None = None,
              environment: dict[str, str] | None = None) -> tuple[int, str]:
        code, out = self.container.exec_run(["/bin/sh", "-c", script], user="0:0",
                                            workdir=workdir, environment=environment)
        return code, out.decode("utf-8", "replace") if isinstance(out, bytes) else str(out)

    def _prepare(self) -> None:
        d = self.docker
        code, found = self._root("command -v bash; command -v setpriv; command -v sudo; "
                                 f"mkdir -p {CONTAINER_HOME} && chmod 1777 {CONTAINER_HOME}")
        tools = {Path(line).name: line for line in found.split()}
        self.shell = tools.get("bash", "/bin/sh")
        owner = os.stat(self.settings.cwd)
        if d.enable_sudo:
            self.user = "0:0"
            if "sudo" not in tools:
                self._root(f"printf %s {shlex.quote(_SUDO_SHIM)} > /usr/local/bin/sudo && "
                           "chmod 755 /usr/local/bin/sudo")
        elif owner.st_uid != 0:
            self.user = f"{owner.st_uid}:{owner.st_gid}"
        elif "setpriv" in tools:
            # cwd belongs to root: stay root for the files' sake, without any capability.
            self.user = "0:0"
            self.wrap = [tools["setpriv"], "--bounding-set=-all", "--inh-caps=-all",
                         "--no-new-privs", "--"]
        else:
            raise SandboxError(
                f"cwd {self.settings.cwd} is owned by root, so commands would run as root in "
                f"the container, and the image {d.image!r} has no setpriv to drop root's "
                "privileges: chown cwd to your user, use an image with util-linux, or set "
                "command_line_docker_enable_sudo: true if root in the container is intended")
        self._install_packages()
        self._check_venv()
        if d.auto_install_deps:
            self._install_dependencies()

    def _check_venv(self) -> None:
        env = (self.container.attrs.get("Config") or {}).get("Env") or []
        self.path = next((e[5:] for e in env if e.startswith("PATH=")), DEFAULT_PATH)
        if self.venv and self._root(f"test -d {shlex.quote(self.venv)}/bin")[0] != 0:
            raise SandboxError(f"command_execution_venv_path: {self.venv} is not a "
                               "virtualenv in the container (it has no bin/): in docker mode "
                               "the path is the container's (create it there, e.g. in the "
                               "image, or in cwd, which is mounted at the same path)")

    def _install_dependencies(self) -> None:
        """Install what the workspace's dependency files name. A failure does not stop the
        container (as in MassGen): the model is told, and can fix the file and retry."""
        cwd = self.settings.cwd
        steps = install_steps(cwd)
        if not steps:
            self.notices.append("auto_install_deps: no dependency file in cwd")
            return
        marker = "/tmp/.agentplug-deps-started"
        self._root(f"touch {marker}")
        for step in steps:
            code, out = self._root(step.command, workdir=cwd, environment=PIP_ENV)
            if code == 0:
                self.notices.append(f"auto_install_deps: installed {step.source} "
                                    f"({step.command})")
            else:
                self.notices.append(f"auto_install_deps: {step.command} for {step.source} "
                                    f"failed (exit {code}): {out[-800:].strip()}")
        if self.user != "0:0":  # what the installers wrote in cwd belongs to cwd's owner
            self._root(f"find {shlex.quote(cwd)} -xdev -newer {marker} -user 0 "
                       f"-exec chown -h {self.user} {{}} +")

    def _install_packages(self) -> None:
        steps = {"system": "apt-get update -q && DEBIAN_FRONTEND=noninteractive "
                           "apt-get install -y -q {}",
                 "python": "python3 -m pip install -q {}", "npm": "npm install -g {}"}
        for kind in ("system", "python", "npm"):
            names = self.docker.packages.get(kind)
            if not names:
                continue
            code, out = self._root(steps[kind].format(" ".join(shlex.quote(n) for n in names)),
                                   environment=PIP_ENV)
            if code != 0:
                raise SandboxError(f"command_line_docker_packages: installing the {kind} "
                                   f"packages {names} failed (exit {code}): {out[-800:]}")

    # commands ----------------------------------------------------------------------------
    def lost(self, exc: BaseException, when: str) -> SandboxError:
        """The error for an engine or container that went away ``when``."""
        if isinstance(exc, SandboxError):
            return exc
        try:
            self.client.ping()
        except Exception:
            return SandboxError(f"the Docker engine at {engine_address()} stopped answering "
                                f"{when} ({type(exc).__name__}); start it again, then retry "
                                "(the container is reused if it survived)")
        try:
            self.check_container(when)
        except SandboxError as err:
            return err
        return SandboxError(f"docker exec failed {when}: {_api_message(exc)}")

    def check_container(self, when: str, settle: float = 0.0) -> None:
        """Raise ContainerGoneError unless the container still runs. ``settle``: how long a
        container that looks alive is watched before that is believed."""
        deadline = time.monotonic() + settle
        while (running := self._running(when)) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not running:
            with contextlib.suppress(Exception):  # stopped, not removed: do not leave it
                self.container.remove(force=True)
            self.container = None
            raise ContainerGoneError(
                f"the sandbox container was stopped or removed from outside {when}; the next "
                "command starts a new one (files in cwd are kept, anything installed in the "
                "container is not)")

    def _running(self, when: str) -> bool:
        import docker

        try:
            self.container.reload()
            return bool(self.container.status == "running")
        except docker.errors.NotFound:
            return False
        except Exception as exc:  # the engine, not the container, is gone
            raise SandboxError(f"the Docker engine at {engine_address()} stopped answering "
                               f"{when} ({type(exc).__name__}); start it again, then retry"
                               ) from None

    def _ensure(self) -> None:
        if self.client is None:
            self._open()
            return
        if self.container is None:
            try:
                self.client.ping()
            except Exception as exc:
                raise SandboxError(f"the Docker engine at {engine_address()} does not answer "
                                   f"({type(exc).__name__}); start it again, then retry"
                                   ) from None
            self._start_container()
            return
        try:
            self.check_container("between commands")
        except ContainerGoneError:
            self._start_container()
            raise

    def _exec(self, command: str, work_dir: str, tag: str) -> DockerProcess:
        self._ensure()
        env = {RUN_TAG: tag, "HOME": CONTAINER_HOME}
        if self.venv:
            env.update(with_venv({"PATH": self.path}, self.venv))
        try:
            exec_id = self.client.api.exec_create(
                self.container.id, [*self.wrap, self.shell, "-c", command], stdout=True,
                stderr=True, stdin=False, tty=False, workdir=work_dir, user=self.user,
                environment=env)["Id"]
        except Exception as exc:
            raise self.lost(exc, "when the command was started") from None
        return DockerProcess(self, exec_id, tag, self.user)

    async def start(self, command: str, work_dir: str, tag: str) -> DockerProcess:
        return await asyncio.to_thread(self._exec, command, work_dir, tag)

    def describe_exit(self, code: int) -> str | None:
        if code != 137:
            return None
        if self.docker.memory_limit:
            return ("exit 137: killed by SIGKILL, most likely by the kernel for going over the "
                    f"container's memory limit (command_line_docker_memory_limit: "
                    f"{self.docker.memory_limit})")
        return "exit 137: the command was killed by SIGKILL"

    def info(self) -> dict[str, Any]:
        return {"container": self.container.name if self.container else None,
                "image": self.docker.image, "user": self.user,
                "network_mode": self.docker.network_mode}


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "-" for c in text)
    return keep.strip("-.")[:40] or "agent"


def _api_message(exc: BaseException) -> str:
    explanation = getattr(exc, "explanation", None)
    if explanation:
        return explanation if isinstance(explanation, str) else json.dumps(explanation)
    return f"{type(exc).__name__}: {exc}"
