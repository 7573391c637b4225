"""Function tools: typed Python functions become JSON-schema tools, grouped in toolsets.

A ``Toolset`` is any source of tools the agent can list and call: plain functions here,
MCP servers in ``agentplug.adapters.mcp``. Backends only ever see ``ToolDef``s.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, get_type_hints, runtime_checkable

from .events import Notice
from .messages import JSON, ImagePart, Part, TextPart


@dataclass(frozen=True, slots=True)
class ToolDef:
    """What a model is told about a tool: provider formats are derived from this."""

    name: str
    description: str
    parameters: JSON
    source: str = "python"


@dataclass(slots=True)
class ToolOutput:
    parts: list[Part] = field(default_factory=list)
    is_error: bool = False
    structured: Any = None

    @classmethod
    def text(cls, text: str, *, is_error: bool = False) -> ToolOutput:
        return cls([TextPart(text)], is_error=is_error)

    @property
    def as_text(self) -> str:
        out: list[str] = []
        for p in self.parts:
            if isinstance(p, TextPart):
                out.append(p.text)
            elif isinstance(p, ImagePart):
                out.append(f"[image {p.mime_type}]")
        return "\n".join(out)


@runtime_checkable
class Toolset(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...
    def tool_defs(self) -> list[ToolDef]: ...
    async def call(self, name: str, arguments: JSON) -> ToolOutput: ...


@runtime_checkable
class NoticeSource(Protocol):
    """A toolset that gathers warnings as it runs (an MCP server down, restarted); the agent
    drains them into its event stream."""

    def drain_notices(self) -> list[Notice]: ...


_ARG_LINE = re.compile(r"^\s{2,}(\w+)\s*(?:\([^)]*\))?:\s*(.+)$")


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Summary and per-argument descriptions from a Google-style docstring."""
    doc = inspect.cleandoc(doc)
    summary, _, rest = doc.partition("\n\n")
    args: dict[str, str] = {}
    in_args = False
    for line in rest.splitlines():
        if line.strip() in ("Args:", "Arguments:", "Parameters:"):
            in_args = True
            continue
        if in_args and line and not line.startswith(" "):
            in_args = False
        if in_args and (m := _ARG_LINE.match(line)):
            args[m.group(1)] = m.group(2).strip()
    return " ".join(summary.split()), args


class FunctionTool:
    """A Python function (sync or async, type-hinted) callable by a model."""

    def __init__(self, fn: Callable[..., Any], *, name: str | None = None,
                 description: str | None = None) -> None:
        from pydantic import ConfigDict, Field, create_model

        self.fn = fn
        summary, arg_docs = _parse_docstring(fn.__doc__ or "")
        hints = get_type_hints(fn)
        fields: dict[str, Any] = {}
        for pname, param in inspect.signature(fn).parameters.items():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise TypeError(f"tool {fn.__name__}: *args/**kwargs cannot be described")
            annotation = hints.get(pname, Any)
            default = ... if param.default is param.empty else param.default
            fields[pname] = (annotation, Field(default, description=arg_docs.get(pname)))
        self._model = create_model(  # type: ignore[call-overload]
            f"{fn.__name__}_args", __config__=ConfigDict(extra="forbid"), **fields
        )
        schema = self._model.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        self.definition = ToolDef(
            name=name or fn.__name__,
            description=description or summary or fn.__name__,
            parameters=schema,
        )
        self._is_async = inspect.iscoroutinefunction(fn)

    async def __call__(self, arguments: JSON) -> ToolOutput:
        from pydantic import ValidationError

        try:
            args = self._model.model_validate(arguments)
        except ValidationError as exc:
            return ToolOutput.text(f"invalid arguments: {exc}", is_error=True)
        kwargs = {k: getattr(args, k) for k in self._model.model_fields}
        if self._is_async:
            result = await self.fn(**kwargs)
        else:
            # A sync tool may block (I/O, subprocess): keep the event loop free.
            result = await asyncio.to_thread(self.fn, **kwargs)
        return to_tool_output(result)


def to_tool_output(result: Any) -> ToolOutput:
    if isinstance(result, ToolOutput):
        return result
    if isinstance(result, str):
        return ToolOutput.text(result)
    try:
        return ToolOutput([TextPart(json.dumps(result, default=str))], structured=result)
    except (TypeError, ValueError):
        return ToolOutput.text(str(result))


class FunctionToolset:
    """Plain Python functions as a toolset."""

    def __init__(self, functions: Sequence[Callable[..., Any] | FunctionTool] = ()) -> None:
        self._tools: dict[str, FunctionTool] = {}
        for fn in functions:
            self.add(fn)

    def add(self, fn: Callable[..., Any] | FunctionTool) -> FunctionTool:
        tool = fn if isinstance(fn, FunctionTool) else FunctionTool(fn)
        if tool.definition.name in self._tools:
            raise ValueError(f"two tools are named {tool.definition.name!r}")
        self._tools[tool.definition.name] = tool
        return tool

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def tool_defs(self) -> list[ToolDef]:
        return [t.definition for t in self._tools.values()]

    async def call(self, name: str, arguments: JSON) -> ToolOutput:
        return await self._tools[name](arguments)


ToolRunner = Callable[[str, JSON], Awaitable[ToolOutput]]
"""Runs a tool by name (``Agent.call_tool``): what ``RunnerToolset`` and ``bind_tools`` take."""


class RunnerToolset:
    """Tools defined elsewhere and run by a callable: how a stateful backend that drives an
    inner agent (``ag2`` with ``llm:``) hands its outer agent's tools to that agent's model."""

    def __init__(self, defs: Sequence[ToolDef], runner: ToolRunner) -> None:
        self._defs = list(defs)
        self._runner = runner

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def tool_defs(self) -> list[ToolDef]:
        return list(self._defs)

    async def call(self, name: str, arguments: JSON) -> ToolOutput:
        return await self._runner(name, arguments)


def tool(fn: Callable[..., Any] | None = None, *, name: str | None = None,
         description: str | None = None) -> Any:
    """Decorator form: ``@tool`` or ``@tool(name=...)`` turns a function into a FunctionTool."""

    def wrap(f: Callable[..., Any]) -> FunctionTool:
        return FunctionTool(f, name=name, description=description)

    return wrap(fn) if fn is not None else wrap



def parse_arguments(raw: str | None) -> JSON:
    """Tool-call arguments as a dict; malformed JSON is kept so the model can see its error."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # malformed, a 5,000-digit number, nested too deep
        return {"_raw_arguments": raw}
    if too_deep(value):  # the SDKs could not send it back in the history
        return {"_raw_arguments": raw}
    return value if isinstance(value, dict) else {"_value": value}


MAX_ARGUMENT_DEPTH = 100


def checked_arguments(value: Any) -> JSON:
    """Tool-call arguments a wire delivers as a JSON value, not text (Gemini's ``args``),
    bounded as ``parse_arguments`` bounds text: nested deeper than ``MAX_ARGUMENT_DEPTH``,
    they are replaced by a note the tool refuses, so the model gets an error result."""
    if too_deep(value):  # the SDKs could not send it back in the history
        return {"_raw_arguments": f"(arguments nested deeper than {MAX_ARGUMENT_DEPTH} "
                                  "levels: not read)"}
    return value if isinstance(value, dict) else {"_value": value}


def too_deep(value: Any, limit: int = MAX_ARGUMENT_DEPTH) -> bool:
    """Whether a JSON value nests deeper than ``limit`` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict)
                                                   else item))
    return False
