"""Shared by the command-line tests: the processes a test left, the engine's containers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "scripts" / "docker-engine.sh"
IMAGE = "local/python:bookworm"
LABEL = "agentplug.command_line"
RUN_TAG = b"AGENTPLUG_RUN_ID="
EXECUTE = "mcp__command_line__execute_command"


def _stat(pid: str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def descendants(root: int | None = None) -> list[int]:
    """Live (non-zombie) descendants of ``root`` (default: this process)."""
    root = root or os.getpid()
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(entry.name)
        if fields and fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    out, frontier = [], {root}
    while frontier:
        nxt = {pid for pid, ppid in parents.items() if ppid in frontier}
        out += sorted(nxt)
        frontier = nxt
    return out


def tagged_processes() -> list[int]:
    """Processes on this machine started by a command tool (they carry its run tag), in
    containers of the private engine too (same kernel)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            env = (entry / "environ").read_bytes()
        except OSError:
            continue
        fields = _stat(entry.name)
        if fields and fields[0] != "Z" and any(v.startswith(RUN_TAG) for v in env.split(b"\0")):
            found.append(int(entry.name))
    return found


def containers(host: str, *, label: str = LABEL, mine: bool = False) -> list[str]:
    """Ids of the engine's command-line containers; ``mine``: only those owned by this
    process or its children (another test session may share the engine)."""
    out = subprocess.run(["docker", "-H", host, "ps", "-a", "--no-trunc", "--filter",
                          f"label={label}", "--format",
                          f'{{{{.ID}}}} {{{{.Label "{label}.owner"}}}}'],
                         capture_output=True, text=True, check=True)
    rows = [line.split() for line in out.stdout.splitlines() if line.strip()]
    if not mine:
        return [r[0] for r in rows]
    family = {os.getpid(), *descendants()}

    def ours(owner: str) -> bool:
        pid = owner.split(":")[1] if owner.count(":") >= 2 else ""
        # a dead owner's container is a leak whoever made it; a live stranger's is not ours
        return not pid.isdigit() or int(pid) in family or _stat(pid) is None

    return [r[0] for r in rows if ours(r[1] if len(r) > 1 else "")]


def docker(host: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", "-H", host, *args], capture_output=True, text=True,
                          timeout=60)




def claude_code_env(home: Path) -> dict[str, str]:
    """The Claude Code CLI fully offline, with its own HOME and config (see FACTS.md)."""
    (home / "config").mkdir(parents=True, exist_ok=True)
    env = {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / "config"),
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1",
           # the CLI's deadline for an MCP server to start (ms): generous on a busy machine
           "MCP_TIMEOUT": "120000"}
    if os.geteuid() == 0:
        env["IS_SANDBOX"] = "1"  # bypassPermissions refuses to run as root otherwise
    return env
