"""Shared by the local-model tests: is the model installed, is a PID alive, which processes
a PID started."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from importlib.util import find_spec
from pathlib import Path

import pytest

from agentplug.plugins.local.model import embedded_model_path

HAVE_LOCAL = find_spec("llama_cpp") is not None and embedded_model_path() is not None
needs_model = pytest.mark.skipif(
    not HAVE_LOCAL, reason="the local extra is not installed (bash scripts/setup.sh)")

PROVIDER_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
                 "XAI_API_KEY", "ZAI_API_KEY", "AZURE_OPENAI_API_KEY")


def alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (dead, not yet reaped by a far parent) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def wait_gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return not alive(pid)


def children(pid: int) -> list[int]:
    """Direct children of ``pid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                .decode(errors="replace"))
    except OSError:
        return ""


def llama_children(pid: int) -> list[int]:
    return [c for c in children(pid) if "agentplug.plugins.local.child" in cmdline(c)]


def kill_quietly(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def keyless_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROVIDER_KEYS}
    return {**env, "AGENTPLUG_LOAD_ENTRY_POINTS": "0", **extra}
