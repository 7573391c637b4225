"""The task file: JSON lines read as a stream, each validated with its line number.

A file is read twice: once to check every line and find duplicate ids before anything runs
(only the ids are kept), then again while the batch runs, one line at a time, so a file of a
million tasks is never held in memory.
"""

from __future__ import annotations

import base64
import json
import mimetypes
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..core.errors import ConfigError, ConfigIssue
from ..core.messages import ImagePart, Part, TextPart, UserMessage


class Attachment(BaseModel):
    """A file sent with the prompt: a path (relative to the task file) or inline base64."""

    model_config = ConfigDict(extra="forbid")

    path: str | None = None
    data: str | None = Field(None, description="base64 content")
    mime_type: str | None = None
    name: str | None = None


class Task(BaseModel):
    """One input line: ``{"id": ..., "prompt": ...}`` plus optional fields."""

    model_config = ConfigDict(extra="forbid")

    id: str
    prompt: str
    agent: str | None = None
    system_message: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # Numeric ids are common in data sets; they are compared as text.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def user_message(self, base_dir: Path) -> UserMessage:
        parts: list[Part] = [TextPart(self.prompt)]
        for a in self.attachments:
            parts.append(_attachment_part(a, base_dir))
        return UserMessage(parts)


def _attachment_part(a: Attachment, base_dir: Path) -> Part:
    if a.path is not None:
        path = base_dir / a.path
        raw = path.read_bytes()
        mime = a.mime_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        name = a.name or path.name
    else:
        raw = base64.b64decode(a.data or "")
        mime, name = a.mime_type or "application/octet-stream", a.name or "attachment"
    if mime.startswith("image/"):
        return ImagePart(base64.b64encode(raw).decode(), mime)
    return TextPart(f"\n\n[{name}]\n{raw.decode('utf-8', 'replace')}")


@dataclass(frozen=True, slots=True)
class TaskLine:
    line: int
    task: Task


def _parse(raw: str, source: str, line: int) -> Task:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(ConfigIssue("", f"not a JSON object: {exc}", source, line,
                                      'each line is {"id": ..., "prompt": ...}')) from None
    if not isinstance(data, dict):
        raise ConfigError(ConfigIssue("", "a task is a JSON object", source, line,
                                      'each line is {"id": ..., "prompt": ...}'))
    try:
        return Task.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            hint = None
            if err["type"] == "extra_forbidden":
                hint = ("known keys: id, prompt, agent, system_message, attachments, metadata "
                        "(put your own fields under metadata)")
            elif err["type"] == "missing":
                hint = f"add {key!r} to this line"
            issues.append(ConfigIssue(key, err["msg"], source, line, hint))
        raise ConfigError(issues) from None


def read_tasks(path: Path) -> Generator[TaskLine, None, None]:
    """The tasks of a file, one line at a time; blank lines are skipped."""
    source = str(path)
    with path.open(encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            if raw.strip():
                yield TaskLine(n, _parse(raw, source, n))


@dataclass(slots=True)
class TaskScan:
    total: int
    agents: set[str]  # agents named by tasks
    ids: set[str]


def scan_tasks(path: Path, agent_ids: set[str] | None = None) -> TaskScan:
    """Check every line before the batch starts: valid tasks, unique ids, known agents,
    attachments that exist."""
    if not path.is_file():
        raise ConfigError(ConfigIssue("", f"task file not found: {path}"))
    first_line: dict[str, int] = {}
    agents: set[str] = set()
    issues: list[ConfigIssue] = []
    for item in read_tasks(path):
        task, line = item.task, item.line
        seen = first_line.setdefault(task.id, line)
        if seen != line:
            issues.append(ConfigIssue("id", f"duplicate id {task.id!r} (first on line {seen})",
                                      str(path), line, "every task needs its own id"))
        if task.agent is not None:
            if agent_ids is not None and task.agent not in agent_ids:
                issues.append(ConfigIssue(
                    "agent", f"no agent {task.agent!r} in the config", str(path), line,
                    f"agents in the config: {', '.join(sorted(agent_ids))}"))
            agents.add(task.agent)
        for i, a in enumerate(task.attachments):
            problem = _attachment_problem(a, path.parent)
            if problem:
                issues.append(ConfigIssue(f"attachments.{i}", problem, str(path), line))
        if len(issues) >= 20:  # enough to fix; a broken file would list a million
            break
    if issues:
        raise ConfigError(issues)
    return TaskScan(len(first_line), agents, set(first_line))


def _attachment_problem(a: Attachment, base_dir: Path) -> str | None:
    if (a.path is None) == (a.data is None):
        return "give exactly one of `path` or `data`"
    if a.path is not None and not (base_dir / a.path).is_file():
        return f"file not found: {base_dir / a.path}"
    return None
