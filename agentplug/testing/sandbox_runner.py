"""What the cloud-sandbox simulators run code with: a private folder on this machine.

A cloud code service runs the code it is sent and answers with its output; the simulators of
those services (``agentplug.testing.daytona``, ``agentplug.testing.yepcode``) do the same
here, in a temporary folder with this interpreter, bounded in time, so a test sees the
result the real service would give for the same code.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

_RUNTIMES = {"python": [sys.executable, "-"], "bash": ["bash", "-s"], "sh": ["sh", "-s"]}


@dataclass(frozen=True, slots=True)
class RunOutput:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout then stderr, as a sandbox's combined result reads."""
        return self.stdout + self.stderr


class SandboxFolder:
    """A throw-away folder standing in for a sandbox's file system (removed by ``remove``)."""

    def __init__(self, prefix: str = "agentplug-sandbox-") -> None:
        self.root = Path(tempfile.mkdtemp(prefix=prefix))

    def path(self, sandbox_path: str) -> Path:
        """Where a path inside the sandbox lives here (absolute sandbox paths included)."""
        inner = Path(sandbox_path.lstrip("/"))
        if ".." in inner.parts:
            raise ValueError(f"path {sandbox_path!r} leaves the sandbox")
        return self.root / inner

    def run(self, language: str, code: str, *, timeout: float = 30.0) -> RunOutput:
        command = _RUNTIMES.get(language)
        if command is None:
            return RunOutput(127, "", f"{language}: runtime not available in this sandbox\n")
        return self._run(command, code, timeout)

    def run_script(self, harness: str, code: str, *, timeout: float = 30.0) -> RunOutput:
        """Python code fed to ``harness`` (a ``python -c`` program) on its stdin."""
        return self._run([sys.executable, "-c", harness], code, timeout)

    def shell(self, command: str, *, timeout: float = 30.0) -> RunOutput:
        """A shell command, run from the sandbox's folder."""
        return self._run(["bash", "-c", command], None, timeout)

    def _run(self, argv: list[str], stdin: str | None, timeout: float) -> RunOutput:
        try:
            done = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                                  cwd=self.root, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            return RunOutput(124, _text(exc.stdout), f"timed out after {timeout:g} s\n")
        return RunOutput(done.returncode, done.stdout, done.stderr)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""
