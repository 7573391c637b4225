"""Tool names and tool filters for MCP servers.

Every MCP tool is exposed as ``mcp__<server>__<tool>`` (MassGen's and Claude Code's naming), so
two servers may both offer ``search``. Filters (``allowed_tools``, ``disallowed_tools``,
``exclude_tools``, on the backend and on each server) match **both** the prefixed and the bare
name, with ``*`` (and ``?``) wildcards: ``read_*``, ``mcp__files__*``, ``mcp__*__search``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

PREFIX = "mcp__"
SEP = "__"
# Every provider we convert to accepts ``^[a-zA-Z0-9_-]{1,64}$`` for a function name (Gemini
# also wants a letter or underscore first; the ``mcp__`` prefix gives it one).
MAX_NAME = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def exposed_name(server: str, tool: str) -> str:
    """The name the model sees; characters providers reject (``.``, spaces) become ``_``."""
    return f"{PREFIX}{_UNSAFE.sub('_', server)}{SEP}{_UNSAFE.sub('_', tool)}"


def split_name(name: str) -> tuple[str, str] | None:
    """``mcp__files__read`` → ``("files", "read")``; None for a name without the prefix."""
    if not name.startswith(PREFIX):
        return None
    server, sep, tool = name[len(PREFIX):].partition(SEP)
    return (server, tool) if sep and server and tool else None


def matches(pattern: str, prefixed: str, bare: str) -> bool:
    return fnmatchcase(prefixed, pattern) or fnmatchcase(bare, pattern)


@dataclass(slots=True)
class ToolFilter:
    """One level of filters (a backend's or a server's); ``None`` means "not set"."""

    allowed: Sequence[str] | None = None
    disallowed: Sequence[str] | None = None
    exclude: Sequence[str] | None = None
    where: str = "backend"
    used: set[str] = field(default_factory=set)

    def keeps(self, prefixed: str, bare: str) -> bool:
        """Whether the tool passes; records which patterns matched something."""
        keep = True
        if self.allowed is not None:
            hits = [p for p in self.allowed if matches(p, prefixed, bare)]
            self.used.update(hits)
            keep = bool(hits)
        for pattern in [*(self.disallowed or ()), *(self.exclude or ())]:
            if matches(pattern, prefixed, bare):
                self.used.add(pattern)
                keep = False
        return keep

    def patterns(self) -> list[tuple[str, str]]:
        return [(key, p) for key, values in (("allowed_tools", self.allowed),
                                             ("disallowed_tools", self.disallowed),
                                             ("exclude_tools", self.exclude))
                for p in values or ()]

    def unmatched_warnings(self, available: Iterable[str], *,
                           skip_servers: Iterable[str] = ()) -> list[str]:
        """A warning per pattern that matched no tool, listing the names it could match.

        Patterns aimed at a server that is down (``mcp__down__*``) are not warned about: the
        server's own failure is the message that matters.
        """
        down = {f"{PREFIX}{s}{SEP}" for s in skip_servers}
        names = sorted(available)
        listed = ", ".join(names) if names else "(none)"
        out = []
        for key, pattern in self.patterns():
            if pattern in self.used or any(pattern.startswith(d) for d in down):
                continue
            out.append(f"{self.where} {key}: {pattern!r} matches no MCP tool; "
                       f"available: {listed}")
        return out
