"""MassGen keys agentplug reads before a backend's params model sees them: older spellings
rewritten to the current ones, switches whose effect agentplug always has, keys of MassGen's
own systems (memory) ignored with a notice, and the reasons behind the keys it refuses.

Each rewrite keeps its meaning; a key whose meaning agentplug cannot keep is not rewritten
but refused, with the reason (``UNSUPPORTED``), by the loader.
"""

from __future__ import annotations

from typing import Any

# MassGen's first command-line spellings (v0.0.x) for what command_line_* now says.
_LEGACY_DOCKER = "enable_docker_isolation"
_LEGACY_NETWORK = ("docker_network_mode", "command_line_docker_network_mode")

AGENT_IGNORED = {
    "persistent_memory": "MassGen's memory system (mem0 facts kept across sessions), which "
                         "agentplug does not have",
}
"""Agent-level MassGen keys accepted with a notice (as top-level ``memory`` is)."""

UNSUPPORTED = {
    "enable_computer_use": "OpenAI's hosted computer_use_preview tool needs a loop that "
                           "takes screenshots and performs the model's clicks, which "
                           "agentplug does not run; give the agent a browser tool as "
                           "custom_tools or an MCP server (e.g. @playwright/mcp)",
    "display_width": "a setting of OpenAI's computer use tool (enable_computer_use), which "
                     "agentplug does not run",
    "display_height": "a setting of OpenAI's computer use tool (enable_computer_use), which "
                      "agentplug does not run",
    "computer_environment": "a setting of OpenAI's computer use tool (enable_computer_use), "
                            "which agentplug does not run",
}
"""MassGen keys agentplug refuses, by key name: why, and what to write instead."""


REFUSED_VALUES = {
    ("command_line_execution_mode", "srt"): (
        "MassGen's `srt` mode runs each command under Anthropic's sandbox-runtime "
        "(bubblewrap or Seatbelt), which agentplug's command tool does not use",
        "use command_line_execution_mode: docker (each command in an isolated container, "
        "no network unless command_line_docker_network_mode: bridge) or local"),
}
"""MassGen values agentplug refuses: (key, value) -> (why, what to write instead)."""


def refused_values(backend: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, why, hint) for each value of ``backend`` in ``REFUSED_VALUES``."""
    return [(key, *REFUSED_VALUES[(key, value)]) for key, value in backend.items()
            if isinstance(value, str) and (key, value) in REFUSED_VALUES]


def rewrite_backend(backend: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """``backend`` with MassGen's older or no-op keys rewritten, and (key, notice) for each
    key read that way. Values that contradict the current spelling are left for the params
    model to refuse."""
    out = dict(backend)
    notes: list[tuple[str, str]] = []
    multimodal = out.get("multimodal")
    if isinstance(multimodal, dict) and set(multimodal) <= {"enabled"} and \
            multimodal.get("enabled", True) is True:
        del out["multimodal"]
        notes.append(("multimodal", "MassGen's multimodal switch: agentplug always sends "
                                    "images and documents to a backend that takes them"))
    if isinstance(out.get(_LEGACY_DOCKER), bool) and "command_line_execution_mode" not in out:
        mode = "docker" if out.pop(_LEGACY_DOCKER) else "local"
        out["command_line_execution_mode"] = mode
        notes.append((_LEGACY_DOCKER, f"MassGen's older spelling, read as "
                                      f"command_line_execution_mode: {mode}"))
    old, new = _LEGACY_NETWORK
    if old in out and new not in out:
        out[new] = out.pop(old)
        notes.append((old, f"MassGen's older spelling, read as {new}"))
    return out, notes
