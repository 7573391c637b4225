"""YAML configs in MassGen's shape (``agent:`` or ``agents:``), validated against the registry.

Every problem is reported at once, each with file, line and key path
(``agents[1].backend.enable_code_execution``) and a hint where one helps.
``${VAR}`` and ``${VAR:-default}`` are expanded in every string value.

Hostile input cannot knock the loader over: the text's size, its nesting depth and the size
of what its aliases expand to are bounded before anything walks the tree, and every failure
(of YAML, of a value, of a plugin's validator) becomes a located ``ConfigError``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError, ConfigIssue, UnknownBackendError, UsageError
from .custom_tools import check_tool, resolve_path
from .massgen_keys import AGENT_IGNORED, UNSUPPORTED, refused_values, rewrite_backend
from .params import GENERATION_FLAGS, BackendParams, StrictModel
from .redact import looks_secret, register
from .registry import TOOL_FLAGS, BackendSpec, Registry

MAX_CONFIG_BYTES = 1 << 20
"""A config file larger than 1 MiB is refused before it is parsed."""
MAX_DEPTH = 64
"""Nesting deeper than this is refused (PyYAML and every tree walk recurse)."""
MAX_NODES = 100_000
"""Values after alias expansion: an alias is fine, a fan-out of aliases (a bomb) is not."""
MAX_EXPANDED_CHARS = 4 << 20
"""Characters in scalars after alias expansion (a long string aliased many times)."""

# A default stops at the next `${`, so a text of unclosed `${A:-` scans in linear time.
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]{0,255})(?::-((?:[^}$]|\$(?!\{))*))?\}")


class ToolsetRef(BaseModel):
    """``toolsets: [name]`` or ``[{name: ..., option: ...}]``: a plugin's named toolset and the
    options its factory takes."""

    model_config = ConfigDict(extra="allow")

    name: str

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class _AgentFilesystem(StrictModel):
    """MassGen's agent-level ``filesystem:``; its ``cwd`` is the backend's ``cwd``."""

    cwd: str | None = None


class _AgentFields(StrictModel):
    """An agent entry's own keys (the backend is validated by its plugin's params model).
    Add new agent-level keys here: the loader accepts exactly these."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    id: str | None = None
    backend: Any = None
    system_message: str | None = None
    append_system_prompt: str | None = None  # MassGen's: added after system_message
    filesystem: _AgentFilesystem | None = None  # MassGen's: `cwd` may be given here
    max_tool_rounds: int = Field(10, ge=0, le=1000)
    toolsets: list[ToolsetRef] = Field(default_factory=list)
    max_cost_usd: float | None = Field(None, gt=0, description="the agent's budget in USD")
    max_tokens_total: int | None = Field(None, gt=0, description="its budget in tokens")
    # A typed answer: a JSON schema inline, or the path of a JSON file holding one.
    output_schema: dict[str, Any] | str | None = None
    output_retries: int = Field(1, ge=0, le=20, description="how often an answer that fails "
                                "the output schema is asked for again")

    @field_validator("max_tool_rounds", "output_retries", mode="before")
    @classmethod
    def _not_a_flag(cls, value: Any) -> Any:
        if isinstance(value, bool):  # pydantic would read `true` as 1
            raise ValueError("a number, not true/false")
        return value


_AGENT_KEYS = set(_AgentFields.model_fields)
# MassGen keys for its orchestrator, UI and memory: accepted so MassGen configs load, not
# used here. Any other top-level key is accepted too, with a notice (MassGen grows new ones).
_IGNORED_TOP = {"ui", "orchestrator", "timeout_settings", "display", "memory"}
_TOP_KEYS = {"agent", "agents", "team"}


@dataclass(slots=True)
class AgentConfig:
    id: str
    backend: BackendParams
    spec: BackendSpec
    system_message: str | None = None
    max_tool_rounds: int = 10
    key_path: str = ""
    toolsets: list[ToolsetRef] = field(default_factory=list)
    max_cost_usd: float | None = None
    max_tokens_total: int | None = None
    output_schema: dict[str, Any] | None = None  # `agentplug run` prints the validated JSON
    output_retries: int = 1
    # Lines of the source file by key path, for checks made after loading (MCP security).
    locator: _Locator | None = field(default=None, repr=False, compare=False)

    def issue(self, path: tuple[str | int, ...], message: str, hint: str | None = None
              ) -> ConfigIssue:
        """A located issue at a key path under this agent's backend."""
        full = (*_split(self.key_path), "backend", *path)
        if self.locator is None:
            return ConfigIssue(format_path(full), message, hint=hint)
        return self.locator.issue(full, message, hint)


@dataclass(slots=True)
class Config:
    agents: list[AgentConfig]
    source: str | None = None
    # Raw sections hold keys in the clear: kept out of reprs (logs, tracebacks).
    team: dict[str, Any] | None = field(default=None, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    # Not errors: ignored top-level sections; unset variables when the loader was told
    # not to require them (`agentplug check` without --strict).
    notices: list[ConfigIssue] = field(default_factory=list)
    warnings: list[ConfigIssue] = field(default_factory=list)

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
        if not path and node is not None:  # a problem with the whole document
            return node.start_mark.line + 1
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
            if name == "cwd":
                return m.group(0)  # MassGen's placeholder for the agent's cwd (params.py)
            if name in os.environ:
                if looks_secret(name):
                    register(os.environ[name])
                return os.environ[name]
            if default is not None:
                return default
            missing.append((path, name))
            return m.group(0)
        expanded = _VAR.sub(sub, value)
        if path and looks_secret(path[-1]) and not _VAR.search(expanded):
            register(expanded)  # a literal key (an unset ${VAR} is reported, not hidden)
        return expanded
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


def load_config(path: str | os.PathLike[str], registry: Registry | None = None, *,
                require_env: bool = True) -> Config:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(ConfigIssue("", f"config file not found: {path}"))
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(_too_big(size, str(path)))
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(ConfigIssue("", f"cannot read the config: {exc.strerror or exc}",
                                      str(path))) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(ConfigIssue("", f"not UTF-8 text (byte {exc.start})", str(path),
                                      line, "save the file as UTF-8")) from None
    return parse_config(text, registry, source=str(path), require_env=require_env)


def _too_big(size: int, source: str | None) -> ConfigIssue:
    return ConfigIssue("", f"the config is {size:,} bytes; the limit is "
                           f"{MAX_CONFIG_BYTES:,}", source, hint="a config this large is "
                           "not a hand-written config: check the file name")


def parse_config(text: str, registry: Registry | None = None, *, source: str | None = None,
                 require_env: bool = True) -> Config:
    """``require_env=False``: an unset ``${VAR}`` is a warning (``Config.warnings``), not an
    error, so a config can be checked where its secrets are not (CI)."""
    if registry is None:
        from .host import default_host

        registry = default_host().registry
    node, data = load_yaml(text, source)
    loc = _Locator(node, source)
    if not isinstance(data, dict):
        raise ConfigError(loc.issue((), "a config is a mapping with `agent:` or `agents:`"))
    missing: list[tuple[tuple, str]] = []
    data = expand_env(data, (), missing)
    unset = [loc.issue(p, f"environment variable {name} is not set",
                       f"export {name}=... or add it to .env (or write ${{{name}:-default}})")
             for p, name in missing]
    issues = list(unset) if require_env else []
    notices = [loc.issue((key,), f"top-level `{key}` is "
                         + ("MassGen's (orchestrator, UI or memory)" if key in _IGNORED_TOP
                            else "not an agentplug key") + ": ignored")
               for key in data if key not in _TOP_KEYS]
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
        agent = _parse_agent(raw, p, n, loc, registry, issues, notices)
        if agent:
            agents.append(agent)
    seen: set[str] = set()
    for agent in agents:
        if agent.id in seen:
            issues.append(loc.issue((*_split(agent.key_path), "id"), f"duplicate id {agent.id!r}"))
        seen.add(agent.id)
    if issues:
        raise ConfigError(issues)
    return Config(agents, source, data.get("team"), data, notices=notices,
                  warnings=[] if require_env else unset)


_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LocatingLoader(_Loader):  # type: ignore[valid-type,misc]
    """A safe loader whose value errors (``!!float nope``) carry the node's position."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {_short_tag(node.tag)} value: {exc}",
                node.start_mark) from None


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def load_yaml(text: str, source: str | None = None) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the data of one YAML document, within bounds."""
    size = len(text) if len(text) > MAX_CONFIG_BYTES else len(text.encode("utf-8", "replace"))
    if size > MAX_CONFIG_BYTES:
        raise ConfigError(_too_big(size, source))
    try:
        _check_shape(text, source)
        loader = _LocatingLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        code = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or " ")
        raise ConfigError(ConfigIssue(
            "", f"invalid YAML: {exc.reason} (character U+{code:04X})", source,
            text.count("\n", 0, exc.position) + 1,
            "remove the control character, or quote it as an escape (\"\\x07\")")) from None
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_issue(exc, source)) from None
    except (RecursionError, MemoryError, ValueError, TypeError) as exc:  # bounds missed one
        raise ConfigError(ConfigIssue("", f"cannot read this YAML ({type(exc).__name__})",
                                      source)) from None
    return node, data


def _yaml_issue(exc: yaml.YAMLError, source: str | None) -> ConfigIssue:
    # str(exc) quotes the offending source line, which may hold a key: build the text here.
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    message = " ".join(p for p in (problem, f"({context})" if context else None) if p)
    column = f", column {mark.column + 1}" if mark is not None else ""
    return ConfigIssue("", f"invalid YAML: {message or type(exc).__name__}{column}", source,
                       mark.line + 1 if mark is not None else None)


def _check_shape(text: str, source: str | None) -> None:
    """Refuse deep nesting and alias bombs from the event stream, before any recursion.

    Every collection's size is counted as if its aliases were expanded; the first alias
    that takes a count past a bound is reported at its line.
    """
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, chars) once expanded
    stack: list[list[Any]] = []  # [anchor, nodes, chars] of each open collection
    for event in _events(text):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise ConfigError(ConfigIssue(
                    "", f"nested deeper than {MAX_DEPTH} levels", source,
                    event.start_mark.line + 1, "a config is a few levels deep: "
                    "check the brackets"))
            stack.append([event.anchor, 1, 0])
            continue
        if isinstance(event, yaml.ScalarEvent):
            weight = (1, len(event.value))
            if event.anchor:
                sizes[event.anchor] = weight
        elif isinstance(event, yaml.AliasEvent):
            weight = sizes.get(event.anchor or "", (1, 0))
        elif isinstance(event, yaml.CollectionEndEvent) and stack:
            anchor, nodes, chars = stack.pop()
            weight = (nodes, chars)
            if anchor:
                sizes[anchor] = weight
        else:
            continue
        if stack:
            top = stack[-1]
            top[1] += weight[0]
            top[2] += weight[1]
            if top[1] > MAX_NODES or top[2] > MAX_EXPANDED_CHARS:
                raise ConfigError(ConfigIssue(
                    "", f"aliases here expand to more than {MAX_NODES:,} values or "
                    f"{MAX_EXPANDED_CHARS:,} characters", source, event.start_mark.line + 1,
                    "an alias bomb, or a config that needs writing out without aliases"))


def _events(text: str) -> Iterator[yaml.Event]:
    loader = _Loader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def _split(key_path: str) -> tuple[str | int, ...]:
    return tuple(int(x) if x.isdigit() else x for x in re.findall(r"[^.\[\]]+", key_path))


def _unknown_key(loc: _Locator, path: tuple[str | int, ...], key: Any, known: set[str]
                 ) -> ConfigIssue:
    close = get_close_matches(str(key), sorted(known), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(known))}"
    return loc.issue(path, "unknown key", hint)


def _parse_agent(raw: Any, path: tuple[str | int, ...], n: int, loc: _Locator,
                 registry: Registry, issues: list[ConfigIssue], notices: list[ConfigIssue]
                 ) -> AgentConfig | None:
    if not isinstance(raw, dict):
        issues.append(loc.issue(path, "an agent is a mapping with `id` and `backend`"))
        return None
    for key in raw:
        if key in AGENT_IGNORED:
            notices.append(loc.issue((*path, key), f"`{key}` is {AGENT_IGNORED[key]}: "
                                                   "ignored"))
        elif key in BackendParams.model_fields:
            issues.append(loc.issue((*path, key), "unknown key for an agent: it belongs to "
                                                  "its backend", f"move {key} under backend:"))
        elif key not in _AGENT_KEYS:
            issues.append(_unknown_key(loc, (*path, key), key, _AGENT_KEYS))
    raw = {k: v for k, v in raw.items() if k not in AGENT_IGNORED}
    try:
        fields = _AgentFields.model_validate(raw)
    except ValidationError as exc:
        issues.extend(loc.issue((*path, *err["loc"]), err["msg"]) for err in exc.errors())
        fields = None
    backend = raw.get("backend")
    if not isinstance(backend, dict) or "type" not in backend:
        issues.append(loc.issue((*path, "backend"), "needs a mapping with `type`",
                                "e.g. backend: {type: chatcompletion, model: ...}"))
        return None
    bpath = (*path, "backend")
    backend, read_as = rewrite_backend(backend)
    notices.extend(loc.issue((*bpath, key), note) for key, note in read_as)
    refused = refused_values(backend)
    if refused:
        issues.extend(loc.issue((*bpath, key), why, hint) for key, why, hint in refused)
        return None
    try:
        spec = registry.get(str(backend["type"]))
    except UnknownBackendError as exc:
        issues.append(loc.issue((*bpath, "type"), str(exc)))
        return None
    if fields is not None and fields.filesystem is not None and fields.filesystem.cwd:
        if backend.get("cwd") not in (None, fields.filesystem.cwd):
            issues.append(loc.issue((*path, "filesystem", "cwd"), "contradicts backend.cwd",
                                    "give the working directory once"))
        backend = {**backend, "cwd": fields.filesystem.cwd}
    params = validate_params(spec, backend, bpath, loc, issues)
    if fields is not None:
        _check_toolsets(fields.toolsets, (*path, "toolsets"), loc, issues)
    if params is None or fields is None:
        return None
    before = len(issues)
    base_dir = Path(loc.source).resolve().parent if loc.source else None
    _check_custom_tools(params, bpath, loc, issues, base_dir)
    _check_uploads(spec, params, bpath, loc, issues, base_dir)
    output_schema = _output_schema(fields.output_schema, (*path, "output_schema"), loc, issues,
                                   base_dir)
    if len(issues) > before:
        return None
    system = "\n\n".join(x for x in (fields.system_message, fields.append_system_prompt)
                          if x) or None
    return AgentConfig(
        id=fields.id or ("agent" if n == 0 else f"agent{n + 1}"),
        backend=params, spec=spec, system_message=system,
        max_tool_rounds=fields.max_tool_rounds, key_path=format_path(path),
        toolsets=fields.toolsets, locator=loc, max_cost_usd=fields.max_cost_usd,
        max_tokens_total=fields.max_tokens_total, output_schema=output_schema,
        output_retries=fields.output_retries,
    )


def _output_schema(value: dict[str, Any] | str | None, path: tuple[str | int, ...],
                   loc: _Locator, issues: list[ConfigIssue], base_dir: Path | None
                   ) -> dict[str, Any] | None:
    """The agent's output schema, read from its file when a path is given, and checked."""
    from .structured import load_schema

    if value is None:
        return None
    try:
        return load_schema(value, base_dir)
    except UsageError as exc:
        issues.append(loc.issue(path, str(exc), "give a JSON schema mapping, or the path of a "
                                "JSON file holding one (relative to this config)"))
        return None


def _check_toolsets(refs: list[ToolsetRef], path: tuple[str | int, ...], loc: _Locator,
                    issues: list[ConfigIssue]) -> None:
    from .host import default_host

    known = default_host().toolsets
    for i, ref in enumerate(refs):
        if ref.name not in known:
            names = sorted(s.name for s in known)
            close = get_close_matches(ref.name, names, n=1)
            hint = (f"did you mean {close[0]!r}? " if close else "") + (
                f"toolsets installed: {', '.join(names)}" if names else
                "no plugin installed here declares a toolset")
            issues.append(loc.issue((*path, i), f"unknown toolset {ref.name!r}", hint))


def validate_params(spec: BackendSpec, raw: dict[str, Any], bpath: tuple[str | int, ...],
                    loc: _Locator, issues: list[ConfigIssue]) -> BackendParams | None:
    try:
        params = spec.params_model().model_validate(raw)
    except ValidationError as exc:
        fields = set(spec.params_model().model_fields)
        for err in exc.errors():
            p = (*bpath, *err["loc"])
            if err["type"] == "extra_forbidden" and str(err["loc"][-1]) in UNSUPPORTED:
                key = str(err["loc"][-1])
                issues.append(loc.issue(p, f"MassGen's `{key}` is not supported by agentplug"
                                           f": {UNSUPPORTED[key]}", f"remove {key}"))
            elif err["type"] == "extra_forbidden":
                issue = _unknown_key(loc, p, err["loc"][-1], fields)
                issues.append(ConfigIssue(issue.key_path,
                                          f"unknown key for backend {spec.type!r}",
                                          issue.file, issue.line, issue.hint))
            else:
                issues.append(loc.issue(p, err["msg"]))
        return None
    except Exception as exc:  # a plugin's validator broke on odd input: still located
        issues.append(loc.issue(bpath, f"the {spec.type!r} backend could not check this "
                                       f"config ({type(exc).__name__}: {exc})",
                                "a bug in the plugin: please report it with this config"))
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
    for flag in GENERATION_FLAGS:
        declared = spec.params_model().generation_support.get(flag)
        if getattr(params, flag) and declared != "yes":
            why = declared or _NO_GENERATION[flag]
            issues.append(loc.issue((*bpath, flag),
                                    f"not supported by the {spec.type!r} backend: {why}",
                                    f"remove {flag} (see `agentplug backends`)"))
    return params if len(issues) == before else None


_NO_GENERATION = {
    "enable_image_generation": "it has no image generation tool (the `openai` backend has "
                               "the Responses image_generation tool)",
    "enable_audio_generation": "none of its APIs returns generated audio to agentplug; give "
                               "the agent a speech tool as custom_tools",
    "enable_video_generation": "it has no video generation tool; give the agent a video tool "
                               "(e.g. one calling OpenAI's Videos API) as custom_tools",
    "enable_file_generation": "no provider API generates files as such; give the agent a "
                              "file-writing tool as custom_tools",
}


def _check_custom_tools(params: BackendParams, bpath: tuple[str | int, ...], loc: _Locator,
                        issues: list[ConfigIssue], base_dir: Path | None) -> None:
    """Each tool's file, function and typed signature, read without running it; the path
    is stored resolved so the agent loads what was checked."""
    names: dict[str, tuple[str | int, ...]] = {}
    for key in ("custom_tools", "tools"):
        for i, entry in enumerate(getattr(params, key)):
            epath = (*bpath, key, i)
            resolved, problems = check_tool(entry, base_dir)
            for pr in problems:
                issues.append(loc.issue((*epath, pr.key), pr.message, pr.hint))
            if resolved:
                entry.path = resolved
            for name, _, _ in entry.entries():
                if name.startswith("mcp__"):
                    issues.append(loc.issue((*epath, "name"), f"tool name {name!r} is in the "
                                            "MCP tools' namespace (mcp__<server>__<tool>)",
                                            "rename the tool"))
                elif name in names:
                    issues.append(loc.issue((*epath, "name"), f"two custom tools are named "
                                            f"{name!r}", "give each tool its own `name`"))
                names[name] = epath


def _check_uploads(spec: BackendSpec, params: BackendParams, bpath: tuple[str | int, ...],
                   loc: _Locator, issues: list[ConfigIssue], base_dir: Path | None) -> None:
    from .uploads import DOCUMENT_TYPES, category, mime_type

    for i, up in enumerate(params.upload_files):
        where = (*bpath, "upload_files", i, f"{up.kind}_path")
        kind = category(up)
        support = spec.params_model().upload_support.get(kind)
        if support != "yes":
            what = kind.replace("_url", " given as a URL")
            issues.append(loc.issue(where, f"the {spec.type!r} backend cannot take this "
                                    f"upload ({what}): " + (support or "it sends no "
                                                            "attachments"),
                                    "use a backend that takes it (openai, claude, gemini, "
                                    "chatcompletion), or remove it"))
            continue
        if kind.startswith("document") and mime_type(up) not in DOCUMENT_TYPES:
            issues.append(loc.issue(where, f"{up.location!r} is {mime_type(up)}: documents "
                                    "are sent as PDF", "convert it to PDF"))
            continue
        if up.is_url:
            continue
        found = resolve_path(up.location, base_dir)
        if found is None:
            issues.append(loc.issue((*bpath, "upload_files", i, f"{up.kind}_path"),
                                    f"file {up.location!r} not found",
                                    "give a path relative to the config file or the working "
                                    "directory, or an http(s) URL"))
        else:
            setattr(up, f"{up.kind}_path", str(found))


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


def check_model_backend(raw: dict[str, Any], needed_by: str) -> None:
    """An agentplug backend given to an adapter as its model (``llm:``), checked as a config
    is, its problems located under ``llm.``: a ValueError, for the adapter's validator. A
    backend that runs its own agent loop is refused: ``needed_by`` needs a model backend."""
    from .errors import AgentplugError
    from .host import default_host

    try:
        spec = default_host().backend(str(raw.get("type")))
        params_from_dict(spec, raw)
    except AgentplugError as exc:
        raise ValueError(str(exc).replace("backend.", "llm.")) from None
    if spec.supports("stateful"):
        raise ValueError(f"the {spec.type!r} backend runs its own agent loop; {needed_by} "
                         "needs a model backend (chatcompletion, openai, claude, gemini...)")
