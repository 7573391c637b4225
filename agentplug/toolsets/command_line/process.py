"""One started command, in either mode, and the loop that runs it to an end.

A runner (``LocalRunner``, ``DockerRunner``) starts a command as a ``Process``: its output
arrives through ``pump`` in chunks, ``wait`` gives the exit code and ``kill`` ends the whole
tree it started. ``run_to_end`` adds the timeout and the output caps; cancelling it kills the
tree too.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .output import HeadTail

Sink = Callable[[bytes], None]
RUN_TAG = "AGENTPLUG_RUN_ID"  # in every command's environment: finds the tree to kill


def new_tag() -> str:
    return uuid.uuid4().hex


class SandboxError(Exception):
    """The sandbox itself failed (engine gone, container removed): the message says what
    happened and what the next command will do."""


class Process(Protocol):
    async def pump(self, stdout: Sink, stderr: Sink) -> None:
        """Feed the output to the sinks until both streams end."""

    async def wait(self) -> int: ...

    async def kill(self) -> None:
        """Kill every process the command started (also ones that left its process group)."""


class Runner(Protocol):
    mode: str
    notices: list[str]  # what opening did that the model should hear (installs...)

    async def open(self) -> None: ...
    async def close(self) -> None: ...

    async def start(self, command: str, work_dir: str, tag: str) -> Process: ...

    def describe_exit(self, code: int) -> str | None:
        """A hint for an exit code worth explaining (137 under a memory limit...)."""


@dataclass(slots=True)
class CommandResult:
    command: str
    work_dir: str
    exit_code: int | None
    stdout: str
    stderr: str
    execution_time: float
    timed_out: bool = False
    note: str | None = None

    @property
    def success(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "success": self.success, "exit_code": self.exit_code, "stdout": self.stdout,
            "stderr": self.stderr, "execution_time": round(self.execution_time, 3),
            "command": self.command, "work_dir": self.work_dir}
        if self.note:
            out["note"] = self.note
        return out


async def run_to_end(runner: Runner, command: str, work_dir: str, timeout: float,
                     limit: int) -> CommandResult:
    started = time.perf_counter()
    process = await runner.start(command, work_dir, new_tag())
    out, err = HeadTail(limit), HeadTail(limit)

    async def finish() -> int:
        await process.pump(out.feed, err.feed)
        return await process.wait()

    timed_out = False
    code: int | None
    try:
        code = await asyncio.wait_for(finish(), timeout)
    except TimeoutError:
        timed_out = True
        await process.kill()
        code = None
    except asyncio.CancelledError:
        # The caller gave up (the agent's turn was cancelled): leave nothing running.
        with contextlib.suppress(Exception):
            await asyncio.shield(process.kill())
        raise
    except BaseException:
        with contextlib.suppress(Exception):
            await asyncio.shield(process.kill())
        raise
    result = CommandResult(command, work_dir, code, out.text(), err.text(),
                           time.perf_counter() - started, timed_out)
    if timed_out:
        result.note = (f"timed out after {timeout:g} s: the command and every process it "
                       "started were killed")
    elif code is not None:
        result.note = runner.describe_exit(code)
    return result
