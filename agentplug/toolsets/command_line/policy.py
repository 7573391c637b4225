"""Which commands may run: MassGen's ``command_line_allowed_commands`` /
``command_line_blocked_commands`` regexes, plus a few built-in rules, checked before anything
is started.

A pattern is matched as MassGen matches it (``re.match``: from the start of the string) against
the whole command *and* against every command of a list or pipeline (``a && b``, ``a; b``,
``a | b``, ``a &``, one per line), after leading ``VAR=value`` assignments. So ``rm .*`` also
refuses ``cd x && rm -rf y``, and with an allow list every command of the line must be allowed.
This is a guard rail, not a sandbox: ``sh -c``, ``eval``, scripts and interpreters can run
anything. Docker mode is the boundary for untrusted work.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Mode = Literal["local", "docker"]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    why: str
    modes: tuple[Mode, ...] = ("local", "docker")


# Built-in rules catch the classic accidents; in docker mode only the ones that reach the
# host's files through the mounted cwd apply (the container absorbs the rest).
BUILTIN_RULES = (
    Rule("rm-root", re.compile(r"\brm\s+(?:-\S+\s+)*(?:/|/\*|~/?|\$HOME/?|\$\{HOME\}/?)"
                               r"(?=\s|;|&|\||\)|$)"),
         "deleting / or the home directory"),
    Rule("fork-bomb", re.compile(r":\s*\(\s*\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:"),
         "a fork bomb", ("local",)),
    Rule("disk-write", re.compile(r"(?:\bdd\b[^\n]*\bof=/dev/|>\s*/dev/(?:sd|hd|vd|xvd|nvme)"
                                  r"|\bmkfs(?:\.\w+)?\b)"),
         "writing to a raw disk device", ("local",)),
    Rule("sudo", re.compile(r"(?:^|[\s;&|(`])(?:sudo|su|doas)(?=\s|$)"),
         "gaining root on the host (docker mode with command_line_docker_enable_sudo: true "
         "gives root inside the container instead)", ("local",)),
)

_ASSIGNMENT = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*=(?:'[^']*'|\"[^\"]*\"|\S*)\s+)+")


def split_commands(line: str) -> list[str]:
    """The simple commands of a shell line: split on unquoted ``;``, ``&``, ``&&``, ``|``,
    ``||`` and newlines; leading ``(``/``{`` and ``VAR=value`` prefixes removed."""
    out: list[str] = []
    current: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"' and i + 1 < len(line):
                current.append(line[i:i + 2])
                i += 2
                continue
            if ch == quote:
                quote = None
            current.append(ch)
        elif ch == "\\" and i + 1 < len(line):
            current.append(line[i:i + 2])
            i += 2
            continue
        elif ch in "'\"":
            quote = ch
            current.append(ch)
        elif ch in ";&|\n":
            out.append("".join(current))
            current = []
            while i + 1 < len(line) and line[i + 1] in "&|":
                i += 1
        else:
            current.append(ch)
        i += 1
    out.append("".join(current))
    cleaned = []
    for part in out:
        part = part.strip().lstrip("({").strip()
        part = _ASSIGNMENT.sub("", part).strip()
        if part:
            cleaned.append(part)
    return cleaned


class CommandRefusedError(Exception):
    """The command was not run; the message names the rule."""


class CommandPolicy:
    def __init__(self, allowed: Sequence[str] | None = None,
                 blocked: Sequence[str] | None = None, *, mode: Mode = "local") -> None:
        self.allowed = [(p, compile_pattern(p, "command_line_allowed_commands"))
                        for p in allowed or ()]
        self.blocked = [(p, compile_pattern(p, "command_line_blocked_commands"))
                        for p in blocked or ()]
        self.rules = [r for r in BUILTIN_RULES if mode in r.modes]

    def check(self, command: str) -> None:
        """Raise ``CommandRefusedError`` naming the rule when ``command`` may not run."""
        if not command.strip():
            raise CommandRefusedError("Command refused: the command is empty.")
        parts = split_commands(command)
        for rule in self.rules:
            if rule.pattern.search(command):
                raise CommandRefusedError(
                    f"Command refused by the built-in rule {rule.name!r} ({rule.why}). "
                    "Nothing was run.")
        for text in [command, *parts]:
            for source, pattern in self.blocked:
                if pattern.match(text):
                    raise CommandRefusedError(
                        f"Command refused: {text!r} matches command_line_blocked_commands "
                        f"pattern {source!r}. Nothing was run.")
        if self.allowed:
            for text in parts:
                if not any(pattern.match(text) for _, pattern in self.allowed):
                    shown = ", ".join(repr(s) for s, _ in self.allowed)
                    raise CommandRefusedError(
                        f"Command refused: {text!r} matches no command_line_allowed_commands "
                        f"pattern (allowed: {shown}). Nothing was run.")


def compile_pattern(pattern: str, key: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{key}: {pattern!r} is not a valid regular expression ({exc})"
                         ) from None
