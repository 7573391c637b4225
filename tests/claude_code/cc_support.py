"""Helpers for the Claude Code tests: requests the CLI sent, processes it left behind."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

KEY = "sk-ant-claude-code-test"


def offline_env(home: Path) -> dict[str, str]:
    (home / "config").mkdir(parents=True, exist_ok=True)
    env = {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / "config"),
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1"}
    if os.geteuid() == 0:
        env["IS_SANDBOX"] = "1"  # bypassPermissions refuses to run as root otherwise
    return env


def model_requests(sim) -> list[dict[str, Any]]:
    """Bodies of the /v1/messages calls the CLI made."""
    return [r.body for r in sim.requests
            if r.method == "POST" and r.path.endswith("/v1/messages")]


def tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The tool_result blocks of the last user message of a request."""
    last = [m for m in body["messages"] if m.get("role") == "user"][-1]
    content = last["content"] if isinstance(last["content"], list) else []
    return [b for b in content if b.get("type") == "tool_result"]


def result_text(block: dict[str, Any]) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    return "".join(c.get("text", "") for c in content or [] if isinstance(c, dict))


def texts(body: dict[str, Any]) -> list[str]:
    """Every text block of a request's messages, in order."""
    out = []
    for m in body["messages"]:
        content = m["content"]
        if isinstance(content, str):
            out.append(content)
            continue
        out.extend(b["text"] for b in content if b.get("type") == "text")
    return out


def alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def cli_children() -> list[int]:
    """Live child processes of this test process running the Claude Code CLI."""
    me = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split(")")[-1].split()
            cmd = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z" and b"claude" in cmd:
            found.append(int(stat.parent.name))
    return found


async def collect(agent, prompt: str) -> list[Any]:
    return [e async for e in agent.stream(prompt)]


def of_type(events, kind):
    return [e for e in events if isinstance(e, kind)]
