"""``agentplug check --massgen``: what of a MassGen config agentplug honours, ignores on
purpose (MassGen's orchestrator, UI, memory) and rejects (with the reason)."""

from __future__ import annotations

from pathlib import Path

from .config import format_path, load_yaml
from .errors import ConfigIssue
from .massgen_keys import AGENT_IGNORED

_PURPOSE = {
    "orchestrator": "MassGen's multi-agent coordination (agentplug runs each agent itself; "
                    "`agentplug team` runs AG2 group chats)",
    "ui": "MassGen's terminal display", "display": "MassGen's terminal display",
    "timeout_settings": "MassGen's orchestrator timeouts",
    "memory": "MassGen's memory system (conversation compression, mem0)",
}


def classify(path: str, rejected: list[ConfigIssue]) -> list[str]:
    """Report lines: ``honoured``, ``ignored`` and ``rejected`` keys of the file."""
    try:
        _, data = load_yaml(Path(path).read_text(encoding="utf-8"), path)
    except Exception:  # already reported by the loader
        return []
    if not isinstance(data, dict):
        return []
    bad = {i.key_path: i.message for i in rejected}
    honoured: list[str] = []
    ignored: list[str] = []
    for key in data:
        if key not in ("agent", "agents", "team"):
            ignored.append(f"  {key}: {_PURPOSE.get(key, 'not an agentplug key')}")
    agents = data.get("agents") or ([data["agent"]] if "agent" in data else [])
    root: tuple[str | int, ...] = ("agent",) if "agent" in data else ("agents",)
    for n, agent in enumerate(agents if isinstance(agents, list) else []):
        if not isinstance(agent, dict):
            continue
        apath = root if root == ("agent",) else (*root, n)
        for key, value in agent.items():
            if key in AGENT_IGNORED:
                ignored.append(f"  {format_path((*apath, key))}: {AGENT_IGNORED[key]}")
            elif key == "backend" and isinstance(value, dict):
                for bkey in value:
                    honoured.append(format_path((*apath, "backend", bkey)))
            else:
                honoured.append(format_path((*apath, key)))
    lines = ["massgen: honoured"]
    out_bad = []
    for key in honoured:
        hit = [m for k, m in bad.items() if k == key or k.startswith((key + ".", key + "["))]
        if hit:
            out_bad.append(f"  {key}: {hit[0]}")
        else:
            lines.append(f"  {key}")
    lines += ["massgen: ignored on purpose", *(ignored or ["  (none)"])]
    lines += ["massgen: rejected", *(out_bad or ["  (none)"])]
    return lines
