"""Helpers for the CLI tests (a module of its own: conftest modules collide by name when the
whole suite runs)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

AGENTPLUG = str(Path(sys.executable).parent / "agentplug")
SERVERS = Path(__file__).parent / "servers"
# CSI sequences (colours, cursor moves) and OSC sequences (titles, links).
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>()][0-9A-Za-z]?")


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def keyless_env(**extra: str) -> dict[str, str]:
    """The environment without provider keys, so no backend is chosen from a real key."""
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_KEY") and k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    return {**env, **extra}


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AGENTPLUG, *args], capture_output=True, text=True, timeout=60,
                          input=input, cwd=cwd, env=env or keyless_env())


