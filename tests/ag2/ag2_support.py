"""Helpers shared by the AG2 tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from agentplug.testing import ChatCompletionsSimulator


def llm(sim: ChatCompletionsSimulator) -> dict:
    return {"type": "chatcompletion", "model": "sim-model", "base_url": sim.base_url,
            "max_retries": 0}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]
