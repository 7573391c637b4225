"""Local mode: commands run on this machine, in ``cwd``, each in its own session.

Every command gets a new session (so a process group of its own) and a tag in its
environment; killing it kills the group and then any process that still carries the tag,
which catches children that called ``setsid`` to leave the group. The environment is this
process's minus the provider API keys every registered backend declares (and, in case a
plugin failed to load, any other ``*_API_KEY``), with a virtualenv first on ``PATH``
(``environment.with_venv``): the configured one, or a ``.venv`` in the command's directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
from collections.abc import Iterable, Mapping
from pathlib import Path

from .environment import detected_venv, with_venv
from .process import RUN_TAG, SandboxError, Sink


def provider_env_names() -> set[str]:
    """Every API-key variable a registered backend or preset reads (from the declarations,
    so a third-party backend's key is dropped too)."""
    from ...core.host import default_host

    names: set[str] = set()
    for spec in default_host().registry:
        names.update(spec.env_vars)
        names.update(p.env_var for p in spec.presets.values() if p.env_var)
    return names


def shell() -> str:
    return shutil.which("bash") or "/bin/sh"


class LocalProcess:
    def __init__(self, proc: asyncio.subprocess.Process, tag: str) -> None:
        self.proc, self.tag = proc, tag

    async def pump(self, stdout: Sink, stderr: Sink) -> None:
        async def drain(stream: asyncio.StreamReader | None, sink: Sink) -> None:
            if stream is None:
                return
            while chunk := await stream.read(65536):
                sink(chunk)

        await asyncio.gather(drain(self.proc.stdout, stdout), drain(self.proc.stderr, stderr))

    async def wait(self) -> int:
        code = await self.proc.wait()
        return 128 - code if code < 0 else code  # killed by signal N: the shell's 128+N

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        await asyncio.to_thread(kill_tagged, self.tag)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.proc.wait(), 5)

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None


def kill_tagged(tag: str, rounds: int = 3) -> int:
    """SIGKILL every process whose environment carries ``RUN_TAG=tag``; returns how many."""
    needle = f"{RUN_TAG}={tag}".encode()
    killed = 0
    for _ in range(rounds):
        found = 0
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if needle in environ.split(b"\0"):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(int(entry.name), signal.SIGKILL)
                    found += 1
        killed += found
        if not found:
            break
    return killed


class LocalRunner:
    mode = "local"

    def __init__(self, cwd: str, *, env: Mapping[str, str] | None = None,
                 drop_env: Iterable[str] | None = None, venv_path: str | None = None,
                 detect_venv: bool = True) -> None:
        self.cwd = cwd
        self.venv_path, self.detect_venv = venv_path, detect_venv
        self.notices: list[str] = []
        drop = set(provider_env_names() if drop_env is None else drop_env)
        source = os.environ if env is None else env
        drop |= {k for k in source if k.upper().endswith("_API_KEY")}
        self.env = {k: v for k, v in source.items() if k not in drop}
        self.dropped = sorted(drop & set(source))
        self.shell = shell()

    async def open(self) -> None:
        Path(self.cwd).mkdir(parents=True, exist_ok=True)
        if self.venv_path and not (Path(self.venv_path) / "bin").is_dir():
            raise SandboxError(f"command_execution_venv_path: {self.venv_path} is not a "
                               "virtualenv (it has no bin/): create it (`python -m venv "
                               f"{self.venv_path}`) or fix the path")

    def venv_for(self, work_dir: str) -> str | None:
        if self.venv_path:
            return self.venv_path
        return detected_venv(work_dir) if self.detect_venv else None

    async def close(self) -> None:
        return None

    async def start(self, command: str, work_dir: str, tag: str) -> LocalProcess:
        proc = await asyncio.create_subprocess_exec(
            self.shell, "-c", command, cwd=work_dir,
            env={**with_venv(self.env, self.venv_for(work_dir)), RUN_TAG: tag},
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, start_new_session=True)
        return LocalProcess(proc, tag)

    def describe_exit(self, code: int) -> str | None:
        if code == 137:
            return "exit 137: the command was killed by SIGKILL"
        return None
