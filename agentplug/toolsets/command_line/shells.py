"""MassGen's background shells: start a command, read its output, check it, kill it.

Each shell keeps the last 10,000 lines of stdout and of stderr. At most ``max_running`` run at
once; every shell still running when the server closes is killed with its whole tree.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from .output import HeadTail, LineRing
from .process import Process, Runner, SandboxError, new_tag


class ShellError(Exception):
    """A background-shell request that cannot be served (unknown id, too many running)."""


@dataclass(slots=True)
class Shell:
    id: str
    command: str
    work_dir: str
    process: Process
    started: float = field(default_factory=time.time)
    ended: float | None = None
    exit_code: int | None = None
    killed: bool = False
    error: str | None = None
    stdout: LineRing = field(default_factory=LineRing)
    stderr: LineRing = field(default_factory=LineRing)
    task: asyncio.Task[None] | None = None

    @property
    def status(self) -> str:
        """MassGen's words: running, stopped (exit 0), failed, killed."""
        if self.killed:
            return "killed"
        if self.ended is None:
            return "running"
        return "stopped" if self.exit_code == 0 else "failed"

    def summary(self) -> dict[str, Any]:
        end = self.ended if self.ended is not None else time.time()
        out: dict[str, Any] = {
            "shell_id": self.id, "command": self.command, "work_dir": self.work_dir,
            "status": self.status, "exit_code": self.exit_code,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "duration": round(end - self.started, 3)}
        if self.error:
            out["error"] = self.error
        return out


class BackgroundShells:
    def __init__(self, runner: Runner, *, max_running: int = 10,
                 max_output_bytes: int = 32 * 1024) -> None:
        self.runner = runner
        self.max_running = max_running
        self.max_output_bytes = max_output_bytes
        self.shells: dict[str, Shell] = {}

    def running(self) -> list[Shell]:
        return [s for s in self.shells.values() if s.status == "running"]

    async def start(self, command: str, work_dir: str) -> Shell:
        if len(self.running()) >= self.max_running:
            raise ShellError(f"{self.max_running} background shells are already running (the "
                             "limit): kill one with kill_background_shell first")
        process = await self.runner.start(command, work_dir, new_tag())
        shell = Shell(f"shell_{uuid.uuid4().hex[:8]}", command, work_dir, process)
        shell.task = asyncio.create_task(self._follow(shell), name=f"shell {shell.id}")
        self.shells[shell.id] = shell
        return shell

    async def _follow(self, shell: Shell) -> None:
        try:
            await shell.process.pump(shell.stdout.feed, shell.stderr.feed)
            shell.exit_code = await shell.process.wait()
        except SandboxError as exc:
            shell.error = str(exc)
        finally:
            shell.stdout.flush()
            shell.stderr.flush()
            shell.ended = time.time()

    def get(self, shell_id: str) -> Shell:
        try:
            return self.shells[shell_id]
        except KeyError:
            known = ", ".join(self.shells) or "none started yet"
            raise ShellError(f"no background shell {shell_id!r} (known: {known})") from None

    def output(self, shell_id: str) -> dict[str, Any]:
        shell = self.get(shell_id)
        out = shell.summary()
        for name, ring in (("stdout", shell.stdout), ("stderr", shell.stderr)):
            cap = HeadTail(self.max_output_bytes)
            cap.feed("\n".join(ring.lines()).encode())
            out[name] = cap.text()
            if ring.dropped:
                out[f"{name}_lines_dropped"] = ring.dropped
        return out

    async def kill(self, shell_id: str) -> dict[str, Any]:
        shell = self.get(shell_id)
        if shell.status == "running":
            shell.killed = True
            await shell.process.kill()
            if shell.task is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(shell.task), 10)
        return shell.summary()

    async def close(self) -> None:
        for shell in self.running():
            with contextlib.suppress(Exception):
                await self.kill(shell.id)
        for shell in self.shells.values():
            if shell.task is not None and not shell.task.done():
                shell.task.cancel()
