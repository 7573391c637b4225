"""Python functions as tools from YAML: MassGen's ``custom_tools`` and agentplug's short
``tools: ["pkg.mod:fn", "./tools.py:fn"]``.

Two phases. ``check_tool_file`` reads a tool file with ``ast`` (the user's code is not run by
``agentplug check``): the function must exist and every parameter the model fills must be
typed. ``load_custom_tools`` imports the file or module once, when the agent is built, and
wraps each function as a ``FunctionTool``. A result may be anything ``to_tool_output`` takes,
or an object with ``output_blocks`` of text/image blocks (MassGen's ``ExecutionResult``,
duck-typed: massgen is never imported here).
"""

from __future__ import annotations

import ast
import asyncio
import base64
import functools
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .messages import ImagePart, Message, Part, TextPart
from .tools import FunctionTool, ToolOutput, to_tool_output

StrOrList = str | list[str]


class CustomToolConfig(BaseModel):
    """One ``custom_tools`` entry in MassGen's shape: each of ``name``, ``function`` and
    ``description`` is a string or a list (one entry per function of the file)."""

    model_config = ConfigDict(extra="forbid")

    function: StrOrList
    name: StrOrList | None = None
    description: StrOrList | None = None
    path: str | None = Field(None, description="a .py file (relative to the config file, "
                                               "then to the working directory)")
    module: str | None = Field(None, description="an importable module instead of a path")
    category: str | None = Field(None, description="MassGen's grouping; informational")
    preset_args: dict[str, Any] = Field(
        default_factory=dict, description="arguments always passed; hidden from the model")
    default_params: dict[str, Any] = Field(
        default_factory=dict, description="new defaults for parameters the model may still "
                                          "set (shown to it as the defaults)")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        # "pkg.mod:fn" or "./tools.py:fn" (agentplug's short spelling)
        if isinstance(value, str):
            where, sep, fn = value.rpartition(":")
            if not sep or not where or not fn:
                raise ValueError(f"{value!r}: write `module:function` or `path/file.py:function`")
            key = "path" if where.endswith(".py") or "/" in where else "module"
            return {key: where, "function": fn}
        return value

    @model_validator(mode="after")
    def _lists_match(self) -> CustomToolConfig:
        functions = self.functions
        for key in ("name", "description"):
            value = getattr(self, key)
            if isinstance(value, list) and len(value) != len(functions):
                raise ValueError(f"`{key}` lists {len(value)} entries for {len(functions)} "
                                 "function(s): give one per function")
        if self.path and self.module:
            raise ValueError("give `path` or `module`, not both")
        return self

    @property
    def functions(self) -> list[str]:
        return [self.function] if isinstance(self.function, str) else list(self.function)

    def entries(self) -> list[tuple[str, str, str | None]]:
        """(tool name, function name, description override) per function."""
        out = []
        for i, fn in enumerate(self.functions):
            name = self.name if isinstance(self.name, str) and len(self.functions) == 1 else (
                self.name[i] if isinstance(self.name, list) else fn)
            desc = self.description[i] if isinstance(self.description, list) else (
                self.description if len(self.functions) == 1 else None)
            out.append((name, fn, desc))
        return out


@dataclass(slots=True)
class ToolProblem:
    """A custom tool that cannot work: ``key`` names the entry's field at fault."""

    key: str
    message: str
    hint: str | None = None


def resolve_path(path: str, base_dir: Path | None) -> Path | None:
    """The tool file: relative to the config file's directory, then the working directory
    (MassGen's configs name files from its repository root, where its users run it)."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p if p.is_file() else None
    for root in ([base_dir] if base_dir else []) + [Path.cwd()]:
        if (root / p).is_file():
            return (root / p).resolve()
    return None


# Values a tool may ask for with MassGen's ``@context_params(...)`` (hidden from the model,
# filled by the runtime): the ones agentplug has. ``messages``/``prompt`` are the
# conversation so far as MassGen's message dicts ({"role", "content"}). MassGen's
# orchestrator also offers its task context and coordination stage, which agentplug has not.
CONTEXT_VALUES = ("agent_cwd", "allowed_paths", "agent_id", "backend_type", "backend_name",
                  "model", "messages", "prompt")


@dataclass(slots=True)
class _Signature:
    params: list[tuple[str, bool, bool]] = field(default_factory=list)  # name, typed, variadic
    defaulted: set[str] = field(default_factory=set)
    context: set[str] = field(default_factory=set)  # @context_params(...) names


def _context_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The names given to a ``@context_params("a", "b")`` decorator (MassGen's), read from
    the source: massgen need not be importable to know which parameters it marks."""
    out: set[str] = set()
    for dec in node.decorator_list:
        if not isinstance(dec, ast.Call):
            continue
        fn = dec.func
        name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(
            fn, ast.Attribute) else None
        if name == "context_params":
            out.update(a.value for a in dec.args
                       if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return out


def _defined_functions(tree: ast.Module) -> tuple[dict[str, _Signature], set[str]]:
    """Top-level functions with their parameters, and other top-level names (imports,
    assignments) that may bind a callable we cannot inspect without running the file."""
    funcs: dict[str, _Signature] = {}
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            a = node.args
            sig = _Signature(context=_context_names(node))
            positional = [*a.posonlyargs, *a.args]
            for arg in [*positional, *a.kwonlyargs]:
                sig.params.append((arg.arg, arg.annotation is not None, False))
            sig.defaulted.update(arg.arg for arg in positional[len(positional)
                                                                 - len(a.defaults):])
            sig.defaulted.update(arg.arg for arg, d in zip(a.kwonlyargs, a.kw_defaults,
                                                           strict=True) if d is not None)
            for var in (a.vararg, a.kwarg):
                if var is not None:
                    sig.params.append((var.arg, True, True))
            funcs[node.name] = sig
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
    return funcs, names


def check_tool(entry: CustomToolConfig, base_dir: Path | None) -> tuple[str | None,
                                                                          list[ToolProblem]]:
    """Statically check one entry; returns the resolved file (if any) and the problems."""
    if not entry.path and not entry.module:
        fns = ", ".join(entry.functions)
        return None, [ToolProblem(
            "function", f"custom tool {fns!r} has no `path` or `module`: MassGen's built-in "
                        "tool library is not part of agentplug",
            "point at the function's file, e.g. `path: tools/my_tool.py` (relative to the "
            "config file or the working directory), or `module: my_pkg.tools`")]
    if entry.module:
        return None, _check_module(entry)
    assert entry.path is not None
    resolved = resolve_path(entry.path, base_dir)
    if resolved is None:
        where = f"{base_dir} or {Path.cwd()}" if base_dir else str(Path.cwd())
        return None, [ToolProblem("path", f"tool file {entry.path!r} not found (looked in {where})",
                                  "give a path relative to the config file or the working "
                                  "directory, or an absolute path that exists here")]
    try:
        tree = ast.parse(resolved.read_text(encoding="utf-8"), filename=str(resolved))
    except (OSError, SyntaxError, ValueError) as exc:
        return None, [ToolProblem("path", f"cannot read tool file {entry.path!r}: {exc}")]
    return str(resolved), _check_functions(entry, tree, entry.path)


def module_file(name: str) -> Path | None:
    """The source file of an importable module, found on ``sys.path`` without importing it
    (``find_spec`` of ``a.b`` would run package ``a``'s ``__init__``)."""
    parts = name.split(".")
    for root in [*sys.path, str(Path.cwd())]:
        base = Path(root or ".").joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    if len(parts) == 1:  # a top-level module elsewhere (a .pth, a zip): ask, runs nothing
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            return Path(spec.origin)
    return None


def _check_module(entry: CustomToolConfig) -> list[ToolProblem]:
    assert entry.module is not None
    origin = module_file(entry.module)
    if origin is None:
        return [ToolProblem("module", f"module {entry.module!r} is not importable here",
                            "install it, or use `path:` with the .py file")]
    try:
        tree = ast.parse(origin.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError) as exc:
        return [ToolProblem("module", f"cannot read module {entry.module!r}: {exc}")]
    return _check_functions(entry, tree, entry.module)


def _check_functions(entry: CustomToolConfig, tree: ast.Module, where: str
                     ) -> list[ToolProblem]:
    funcs, names = _defined_functions(tree)
    problems: list[ToolProblem] = []
    for _, fn, _ in entry.entries():
        if fn not in funcs:
            if fn in names:
                continue  # bound by an import or assignment: checked when loaded
            close = get_close_matches(fn, list(funcs), n=1)
            hint = (f"did you mean {close[0]!r}?" if close
                    else f"functions defined there: {', '.join(sorted(funcs)) or 'none'}")
            problems.append(ToolProblem("function", f"no function {fn!r} in {where}", hint))
            continue
        sig = funcs[fn]
        for pname in sorted(sig.context - set(CONTEXT_VALUES) - sig.defaulted
                            - set(entry.preset_args)):
            problems.append(ToolProblem(
                "function", f"{fn}() in {where}: @context_params({pname!r}) asks for a value "
                            "of MassGen's orchestrator; agentplug runs agents without it and "
                            "has no such value",
                f"agentplug fills {', '.join(CONTEXT_VALUES)}; give {pname!r} a default, "
                "set it in `preset_args`, or take what the tool needs as a parameter the "
                "model fills"))
        for pname, typed, variadic in sig.params:
            if (not typed and not variadic and pname not in entry.preset_args
                    and pname not in sig.context):
                problems.append(ToolProblem(
                    "function", f"{fn}() in {where}: parameter {pname!r} has no type hint "
                                "(the model is told each parameter's JSON type)",
                    f"annotate it, e.g. `{pname}: str`"))
        named = {p for p, _, v in sig.params if not v}
        for key in ("preset_args", "default_params"):
            unknown = set(getattr(entry, key)) - named
            if unknown and not any(v for _, _, v in sig.params):
                problems.append(ToolProblem(key, f"{fn}() takes no parameter named "
                                                 f"{', '.join(sorted(unknown))}"))
    return problems


def context_parameters(path: str) -> dict[str, set[str]]:
    """Each function's ``@context_params`` names in a tool file (read, not run)."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}
    return {name: sig.context for name, sig in _defined_functions(tree)[0].items()
            if sig.context}


# Loading (run time) ------------------------------------------------------------------------

class CustomToolLoadError(Exception):
    pass


def _load_module(entry: CustomToolConfig) -> Any:
    if entry.module:
        return importlib.import_module(entry.module)
    assert entry.path is not None
    path = resolve_path(entry.path, None) or Path(entry.path)
    name = f"agentplug_custom_tools.{path.stem}_{abs(hash(str(path))):x}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CustomToolLoadError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


# Parameters MassGen fills in itself (never the model) even without ``@context_params``:
# the agent's working directory and the directories the tool may touch.
INJECTED = ("agent_cwd", "allowed_paths")


def load_custom_tools(entries: list[CustomToolConfig], cwd: str | None = None, *,
                      agent_id: str | None = None, backend_type: str | None = None,
                      model: str | None = None,
                      conversation: Callable[[], list[Message]] | None = None
                      ) -> list[FunctionTool]:
    """Import each entry's file or module once and wrap its functions as tools. A function
    taking ``agent_cwd`` / ``allowed_paths`` gets the agent's ``cwd`` there (as MassGen does);
    one marked ``@context_params(...)`` gets those of ``CONTEXT_VALUES`` it names, and its
    other context parameters keep their defaults; none of them is shown to the model.
    ``conversation`` gives the messages asked for as ``messages``/``prompt``, read at each
    call. A relative ``path`` is resolved against the working directory (the config loader
    has already resolved those it checked)."""
    here = str(Path(cwd).expanduser().resolve()) if cwd else str(Path.cwd())
    values: dict[str, Any] = {"agent_cwd": here, "allowed_paths": [here], "agent_id": agent_id,
                              "backend_type": backend_type, "backend_name": backend_type,
                              "model": model}
    tools: list[FunctionTool] = []
    for entry in entries:
        try:
            module = _load_module(entry)
        except Exception as exc:  # the user's module: any import-time error
            where = entry.module or entry.path
            why = f"loading custom tool file {where}: {type(exc).__name__}: {exc}"
            if isinstance(exc, ModuleNotFoundError) and (exc.name or "").startswith("massgen"):
                why += ("; MassGen's tool files import its `massgen.tool` package: run where "
                        "massgen is installed (pip install massgen)")
            raise CustomToolLoadError(why) from exc
        source = entry.path or getattr(module, "__file__", None)
        marked = context_parameters(source) if source else {}
        for name, fn_name, desc in entry.entries():
            fn = getattr(module, fn_name, None)
            if not callable(fn):
                raise CustomToolLoadError(f"{entry.module or entry.path} has no function "
                                          f"{fn_name!r}")
            params = inspect.signature(fn).parameters
            context = set(getattr(fn, "__context_params__", ())) | marked.get(fn_name, set())
            filled = (set(INJECTED) | (context & set(CONTEXT_VALUES))) & set(params)
            preset = {**{k: values[k] for k in filled if k in values}, **entry.preset_args}
            live: dict[str, Callable[[], Any]] = {
                k: functools.partial(massgen_messages, conversation)
                for k in filled - set(values) - set(entry.preset_args)}
            tools.append(FunctionTool(_wrap(fn, preset, context, entry.default_params, live),
                                      name=name, description=desc))
    return tools


def massgen_messages(conversation: Callable[[], list[Message]] | None) -> list[dict[str, str]]:
    """The conversation as MassGen hands it to a tool: ``{"role", "content"}`` dicts."""
    return [{"role": m.role, "content": m.text} for m in (conversation() if conversation
                                                           else [])]


def _wrap(fn: Callable[..., Any], preset: dict[str, Any], hidden: set[str] | None = None,
          defaults: dict[str, Any] | None = None,
          live: dict[str, Callable[[], Any]] | None = None) -> Callable[..., Any]:
    """An async function with ``fn``'s described parameters minus the preset, live and
    hidden ones (and minus ``*args``/``**kwargs``, which no schema can describe),
    ``defaults`` replacing their defaults, whose result is a ToolOutput. ``live`` values
    are read at each call."""
    sig = inspect.signature(fn)
    hidden, defaults, live = hidden or set(), defaults or {}, live or {}
    shown = [p.replace(default=defaults[p.name]) if p.name in defaults else p
             for p in sig.parameters.values()
             if p.name not in preset and p.name not in hidden and p.name not in live
             and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    fixed = {**{k: v for k, v in defaults.items() if k not in sig.parameters}, **preset}

    @functools.wraps(fn)
    async def call(**kwargs: Any) -> ToolOutput:
        kwargs = {**{k: v for k, v in defaults.items() if k in sig.parameters}, **kwargs,
                  **fixed, **{k: get() for k, get in live.items()}}
        if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
            result = fn(**kwargs)
        else:
            # A sync tool may block (I/O, subprocess): keep the event loop free.
            result = await asyncio.to_thread(fn, **kwargs)
        if inspect.isasyncgen(result):
            last = None
            async for item in result:  # streamed progress: the final item is the result
                last = item
            result = last
        elif inspect.isawaitable(result):
            result = await result
        return result_output(result)

    call.__signature__ = sig.replace(parameters=shown)  # type: ignore[attr-defined]
    call.__annotations__ = {k: v for k, v in getattr(fn, "__annotations__", {}).items()
                            if k in {p.name for p in shown}}
    return call


def result_output(result: Any) -> ToolOutput:
    """A tool's return value as a ToolOutput; ``output_blocks`` of text/image blocks are
    read by shape (MassGen's ExecutionResult)."""
    blocks = getattr(result, "output_blocks", None)
    if blocks is None or isinstance(result, dict | str):
        return to_tool_output(result)
    parts: list[Part] = []
    for block in blocks:
        data = getattr(block, "data", block)
        kind = str(getattr(block, "block_type", "") or getattr(block, "type", "")
                   or type(block).__name__).lower()
        if "image" in kind and isinstance(data, str):
            parts.append(ImagePart(data=_b64(data), mime_type=_mime(block)))
        else:
            parts.append(TextPart(data if isinstance(data, str) else str(data)))
    return ToolOutput(parts)


def _b64(data: str) -> str:
    if data.startswith("data:") and "," in data:
        return data.split(",", 1)[1]
    return data


def _mime(block: Any) -> str:
    data = getattr(block, "data", "")
    if isinstance(data, str) and data.startswith("data:") and ";" in data:
        return data[5:data.index(";")]
    mime = getattr(block, "mime_type", None) or getattr(block, "media_type", None)
    if mime:
        return str(mime)
    try:
        head = base64.b64decode(data[:16] + "==", validate=False)[:4]
    except (ValueError, TypeError):
        head = b""
    return "image/jpeg" if head.startswith(b"\xff\xd8") else "image/png"
