"""YAML configs in MassGen's shape (``agent:`` or ``agents:``), validated against the registry.

Every problem is reported at once, each with file, line and key path
(``agents[1].backend.enable_code_execution``) and a hint where one helps.
``${VAR}`` and ``${VAR:-default}`` are expanded in every string value.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import ConfigError, ConfigIssue, UnknownBackendError
from .params import TOOL_FLAGS, BackendParams
from .registry import BackendSpec, Registry

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_AGENT_KEYS = {"id", "backend", "system_message", "max_tool_rounds"}
# MassGen keys for its orchestrator and UI: accepted so MassGen configs load, not used here.
_IGNORED_TOP = {"ui", "orchestrator", "timeout_settings"}
_TOP_KEYS = {"agent", "agents", "team"} | _IGNORED_TOP


@dataclass(slots=True)
class AgentConfig:
    id: str
    backend: BackendParams
    spec: BackendSpec
    system_message: str | None = None
    max_tool_rounds: int = 10
    key_path: str = ""


@dataclass(slots=True)
class Config:
    agents: list[AgentConfig]
    source: str | None = None
    team: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def agent(self, agent_id: str | None = None) -> AgentConfig:
        if agent_id is None:
            return self.agents[0]
        for a in self.agents:
            if a.id == agent_id:
                return a
        known = ", ".join(a.id for a in self.agents)
        raise ConfigError(ConfigIssue("agents", f"no agent with id {agent_id!r}",
                                      self.source, hint=f"agents in this config: {known}"))


class _Locator:
    """Maps key paths to source lines using the YAML node tree."""

    def __init__(self, node: yaml.Node | None, source: str | None) -> None:
        self.node, self.source = node, source

    def line(self, path: tuple[str | int, ...]) -> int | None:
        node, line = self.node, None
        for key in path:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == key:
                        line, node = k.start_mark.line + 1, v
                        break
                else:
                    return line or (node.start_mark.line + 1)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if key >= len(node.value):
                    return line
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def issue(self, path: tuple[str | int, ...], message: str, hint: str | None = None
              ) -> ConfigIssue:
        return ConfigIssue(format_path(path), message, self.source, self.line(path), hint)


def format_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def expand_env(value: Any, path: tuple[str | int, ...], missing: list[tuple[tuple, str]]) -> Any:
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in os.environ:
                return os.environ[name]
            if default is not None:
                return default
            missing.append((path, name))
            return m.group(0)
        return _VAR.sub(sub, value)
    if isinstance(value, dict):
        return {k: expand_env(v, (*path, k), missing) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_env(v, (*path, i), missing) for i, v in enumerate(value)]
    return value


def load_dotenv_once(directory: Path | None = None) -> None:
    """Load ``.env`` from the working directory without overriding the real environment."""
    from dotenv import load_dotenv

    path = (directory or Path.cwd()) / ".env"
    if path.is_file():
        load_dotenv(path, override=False)


def load_config(path: str | os.PathLike[str], registry: Registry | None = None) -> Config:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(ConfigIssue("", f"config file not found: {path}"))
    text = path.read_text(encoding="utf-8")
    return parse_config(text, registry, source=str(path))


def parse_config(text: str, registry: Registry | None = None, *, source: str | None = None
                 ) -> Config:
    if registry is None:
        from .host import default_host

        registry = default_host().registry
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(ConfigIssue("", f"invalid YAML: {exc}", source,
                                      mark.line + 1 if mark else None)) from None
    loc = _Locator(node, source)
    if not isinstance(data, dict):
        raise ConfigError(loc.issue((), "a config is a mapping with `agent:` or `agents:`"))
    missing: list[tuple[tuple, str]] = []
    data = expand_env(data, (), missing)
    issues = [loc.issue(p, f"environment variable {name} is not set",
                        f"export {name}=... or add it to .env (or write ${{{name}:-default}})")
              for p, name in missing]
    for key in data:
        if key not in _TOP_KEYS:
            issues.append(_unknown_key(loc, (key,), key, _TOP_KEYS))
    if ("agent" in data) == ("agents" in data):
        issues.append(loc.issue((), "a config needs exactly one of `agent:` or `agents:`"))
        raise ConfigError(issues)
    if "agent" in data:
        entries: list[tuple[tuple[str | int, ...], Any]] = [(("agent",), data["agent"])]
    else:
        if not isinstance(data["agents"], list) or not data["agents"]:
            raise ConfigError([*issues, loc.issue(("agents",), "must be a non-empty list")])
        entries = [(("agents", i), a) for i, a in enumerate(data["agents"])]
    agents: list[AgentConfig] = []
    for n, (p, raw) in enumerate(entries):
        agent = _parse_agent(raw, p, n, loc, registry, issues)
        if agent:
            agents.append(agent)
    seen: set[str] = set()
    for agent in agents:
        if agent.id in seen:
            issues.append(loc.issue((*_split(agent.key_path), "id"), f"duplicate id {agent.id!r}"))
        seen.add(agent.id)
    if issues:
        raise ConfigError(issues)
    return Config(agents, source, data.get("team"), data)


def _split(key_path: str) -> tuple[str | int, ...]:
    return tuple(int(x) if x.isdigit() else x for x in re.findall(r"[^.\[\]]+", key_path))


def _unknown_key(loc: _Locator, path: tuple[str | int, ...], key: Any, known: set[str]
                 ) -> ConfigIssue:
    close = get_close_matches(str(key), sorted(known), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(known))}"
    return loc.issue(path, "unknown key", hint)


def _parse_agent(raw: Any, path: tuple[str | int, ...], n: int, loc: _Locator,
                 registry: Registry, issues: list[ConfigIssue]) -> AgentConfig | None:
    if not isinstance(raw, dict):
        issues.append(loc.issue(path, "an agent is a mapping with `id` and `backend`"))
        return None
    for key in raw:
        if key not in _AGENT_KEYS:
            issues.append(_unknown_key(loc, (*path, key), key, _AGENT_KEYS))
    backend = raw.get("backend")
    if not isinstance(backend, dict) or "type" not in backend:
        issues.append(loc.issue((*path, "backend"), "needs a mapping with `type`",
                                "e.g. backend: {type: chatcompletion, model: ...}"))
        return None
    bpath = (*path, "backend")
    try:
        spec = registry.get(str(backend["type"]))
    except UnknownBackendError as exc:
        issues.append(loc.issue((*bpath, "type"), str(exc)))
        return None
    params = validate_params(spec, backend, bpath, loc, issues)
    if params is None:
        return None
    return AgentConfig(
        id=str(raw.get("id") or ("agent" if n == 0 else f"agent{n + 1}")),
        backend=params, spec=spec, system_message=raw.get("system_message"),
        max_tool_rounds=int(raw.get("max_tool_rounds", 10)), key_path=format_path(path),
    )


def validate_params(spec: BackendSpec, raw: dict[str, Any], bpath: tuple[str | int, ...],
                    loc: _Locator, issues: list[ConfigIssue]) -> BackendParams | None:
    try:
        params = spec.params.model_validate(raw)
    except ValidationError as exc:
        fields = set(spec.params.model_fields)
        for err in exc.errors():
            p = (*bpath, *err["loc"])
            if err["type"] == "extra_forbidden":
                issue = _unknown_key(loc, p, err["loc"][-1], fields)
                issues.append(ConfigIssue(issue.key_path,
                                          f"unknown key for backend {spec.type!r}",
                                          issue.file, issue.line, issue.hint))
            else:
                issues.append(loc.issue(p, err["msg"]))
        return None
    before = len(issues)
    for flag in TOOL_FLAGS:
        if getattr(params, flag):
            support = spec.flag(flag)
            if support.support in ("yes", "varies"):
                continue  # "varies": the plugin's params validator checks the preset
            why = support.reason or (
                "not applicable to this backend" if support.support == "n/a"
                else "this backend has no such built-in tool")
            issues.append(loc.issue((*bpath, flag),
                                    f"not supported by the {spec.type!r} backend: {why}",
                                    f"remove {flag} (see `agentplug backends`)"))
    return params if len(issues) == before else None


def params_from_dict(spec: BackendSpec, raw: dict[str, Any]) -> BackendParams:
    """Validate a backend dict built in code (no file): raise ConfigError on any issue."""
    issues: list[ConfigIssue] = []
    missing: list[tuple[tuple, str]] = []
    raw = expand_env(raw, ("backend",), missing)
    loc = _Locator(None, None)
    issues += [loc.issue(p, f"environment variable {name} is not set") for p, name in missing]
    params = validate_params(spec, raw, ("backend",), loc, issues)
    if issues or params is None:
        raise ConfigError(issues)
    return params
