"""The ``team:`` section of a config, validated with located errors.

    team:
      agents: [planner, coder]     # agent ids from `agents:` (default: all, in order)
      pattern: round_robin         # round_robin | auto | manual
      max_rounds: 8                # member turns before the chat stops
      initial_agent: planner       # who answers the task first (default: the first)
      selector: planner            # auto only: the agent that picks each next speaker
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from ...core.config import Config, _Locator
from ...core.errors import ConfigError, ConfigIssue

PATTERNS = ("round_robin", "auto", "manual")
_KEYS = {"agents", "pattern", "max_rounds", "initial_agent", "selector"}


@dataclass(frozen=True, slots=True)
class TeamSpec:
    agents: tuple[str, ...]
    pattern: str = "round_robin"
    max_rounds: int = 10
    initial_agent: str | None = None
    selector: str | None = None


def _locator(config: Config) -> _Locator:
    import yaml

    node = None
    if config.source and Path(config.source).is_file():
        node = yaml.compose(Path(config.source).read_text(encoding="utf-8"))
    return _Locator(node, config.source)


def parse_team(config: Config) -> TeamSpec:
    loc = _locator(config)
    raw = config.team
    if raw is None:
        raise ConfigError(loc.issue((), "this config has no `team:` section",
                                    "add team: {agents: [...], pattern: round_robin}"))
    if not isinstance(raw, dict):
        raise ConfigError(loc.issue(("team",), "must be a mapping"))
    ids = [a.id for a in config.agents]
    issues: list[ConfigIssue] = []
    for key in raw:
        if key not in _KEYS:
            close = get_close_matches(str(key), sorted(_KEYS), n=1)
            issues.append(loc.issue(("team", key), "unknown key",
                                    f"did you mean {close[0]!r}?" if close
                                    else f"known keys: {', '.join(sorted(_KEYS))}"))
    members = raw.get("agents", ids)
    if not isinstance(members, list) or not members:
        issues.append(loc.issue(("team", "agents"), "must be a non-empty list of agent ids"))
        members = []
    for i, member in enumerate(members):
        if member not in ids:
            issues.append(_unknown_id(loc, ("team", "agents", i), member, ids))
    if len(set(map(str, members))) != len(members):
        issues.append(loc.issue(("team", "agents"), "lists an agent twice"))
    pattern = raw.get("pattern", "round_robin")
    if pattern not in PATTERNS:
        issues.append(loc.issue(("team", "pattern"), f"unknown pattern {pattern!r}",
                                f"use one of {', '.join(PATTERNS)}"))
    rounds = raw.get("max_rounds", 10)
    if not isinstance(rounds, int) or isinstance(rounds, bool) or rounds < 1:
        issues.append(loc.issue(("team", "max_rounds"), "must be a whole number >= 1"))
    initial = raw.get("initial_agent")
    if initial is not None and initial not in members:
        issues.append(_unknown_id(loc, ("team", "initial_agent"), initial, members,
                                  "team member"))
    selector = raw.get("selector")
    if selector is not None:
        if pattern != "auto":
            issues.append(loc.issue(("team", "selector"), "only used with pattern: auto"))
        elif selector not in ids:
            issues.append(_unknown_id(loc, ("team", "selector"), selector, ids))
    if issues:
        raise ConfigError(issues)
    return TeamSpec(tuple(members), pattern, rounds, initial, selector)


def _unknown_id(loc: _Locator, path: tuple[str | int, ...], value: Any, known: list[str],
                what: str = "agent") -> ConfigIssue:
    close = get_close_matches(str(value), known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
    return loc.issue(path, f"no {what} with id {value!r}", hint)
