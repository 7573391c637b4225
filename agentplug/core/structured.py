"""Typed answers: an ``output_type`` turned into a schema, a strategy and a validator.

Three strategies, strongest first; each backend declares the one it really supports
(``BackendSpec.structured_output``; a configured backend may refine it, e.g. per provider
preset, through ``output_support()``):

- ``native``: the provider constrains the answer to the schema itself; the backend receives
  an ``OutputSpec`` (``stream(..., output=spec)``) and shapes its request.
- ``tool``: the schema becomes a tool the model must call with its answer (forced by the
  backend's ``force_tool`` where its wire can, else asked for in the prompt).
- ``prompted``: the schema is written into the prompt and the JSON extracted from the text.

Whatever the strategy, the answer is validated here (pydantic ``TypeAdapter``, or
``jsonschema`` for a plain schema dict); a failure is sent back to the model, up to
``output_retries`` times.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import from_json

from .errors import BackendError, UsageError
from .events import StructuredOutput, TextDelta, ToolCallDelta
from .registry import STRATEGIES, OutputStrategy
from .requirements import require
from .messages import (
    AssistantMessage, Message, TextPart, ToolCallPart, ToolResultMessage, UserMessage,
)
from .tools import ToolDef

# Providers want an object at the root: anything else travels wrapped in this one key.
WRAP_KEY = "response"
_FENCE = re.compile(r"```(?:json)?\s*(.*?)(?:```|$)", re.S)


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """What a backend needs to constrain a call: the schema as JSON Schema (root an object)."""

    name: str
    schema: dict[str, Any]
    description: str = ""
    strategy: OutputStrategy = "native"

    @property
    def tool_name(self) -> str:
        """The output tool's name (the tool strategy): what a forced tool choice names."""
        return f"final_{self.name}"[:64]


@dataclass(frozen=True, slots=True)
class OutputSupport:
    """How one configured backend takes a typed answer: the strategy it uses unless a call
    names one, and whether its provider wants the schema in the prompt as well (some
    constrain decoding to it without showing it to the model)."""

    strategy: OutputStrategy
    schema_in_prompt: bool = False


class StructuredOutputError(BackendError):
    """The model's answer never validated; ``raw`` is its last answer as sent."""

    def __init__(self, message: str, raw: str, errors: str) -> None:
        super().__init__(message)
        self.raw = raw
        self.errors = errors


class Output:
    """One requested output type: its schema, and how an answer becomes an instance."""

    def __init__(self, output_type: Any, *, name: str | None = None) -> None:
        self.output_type = output_type
        self.plain_schema = isinstance(output_type, dict)
        if self.plain_schema:
            schema: dict[str, Any] = copy.deepcopy(output_type)
            self._adapter: TypeAdapter[Any] | None = None
            _check_schema(schema)
        else:
            try:
                self._adapter = TypeAdapter(output_type)
                schema = self._adapter.json_schema()
            except Exception as exc:  # pydantic's own error says which field it cannot use
                raise UsageError(f"output_type {output_type!r} has no JSON schema: {exc}; use "
                                 "a pydantic model, a dataclass, a TypedDict, a list of them "
                                 "or a JSON schema dict") from exc
        self.wrapped = schema.get("type") != "object"
        base = name or schema.get("title") or getattr(output_type, "__name__", "") or "result"
        self.name = re.sub(r"[^A-Za-z0-9_-]", "_", str(base))[:64]
        if self.wrapped:
            schema = {"type": "object", "properties": {WRAP_KEY: schema},
                      "required": [WRAP_KEY], "additionalProperties": False,
                      **({"$defs": schema.pop("$defs")} if "$defs" in schema else {})}
        self.schema = schema
        self.description = str(schema.get("description") or "")

    def spec(self, strategy: OutputStrategy) -> OutputSpec:
        return OutputSpec(self.name, self.schema, self.description, strategy)

    def tool_def(self) -> ToolDef:
        return ToolDef(self.tool_name, self.description or "Give your final answer.",
                       self.schema, source="output")

    @property
    def tool_name(self) -> str:
        return self.spec("tool").tool_name

    # validation ---------------------------------------------------------------------------
    def parse_text(self, text: str) -> Any:
        """The instance an answer's text carries; ``ValueError`` says what is wrong."""
        candidate = extract_json(text)
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError as exc:
            raise ValueError(f"the answer is not valid JSON ({exc})") from None
        return self.parse_data(data)

    def parse_data(self, data: Any) -> Any:
        if self.wrapped:
            if not isinstance(data, dict) or WRAP_KEY not in data:
                raise ValueError(f"the answer must be an object with the key {WRAP_KEY!r}")
            data = data[WRAP_KEY]
        if self._adapter is None:
            return _validate_schema(data, self.output_type)
        try:
            return self._adapter.validate_python(data)
        except ValidationError as exc:
            raise ValueError(str(exc)) from None

    def partial(self, text: str) -> Any:
        """The JSON parsed so far from a growing answer (None before it starts)."""
        candidate = extract_json(text, partial=True)
        if not candidate:
            return None
        try:
            data = from_json(candidate, allow_partial=True)
        except ValueError:
            return None
        if self.wrapped:
            return data.get(WRAP_KEY) if isinstance(data, dict) else None
        return data

    # what the model is told ---------------------------------------------------------------
    def instructions(self, strategy: OutputStrategy) -> str:
        if strategy == "tool":
            return (f"Give your final answer by calling the tool {self.tool_name!r} "
                    "with it as the arguments.")
        return ("Answer with one JSON value, and nothing else, that matches this JSON "
                f"schema:\n{json.dumps(self.schema, ensure_ascii=False)}")

    def retry_prompt(self, error: str, strategy: OutputStrategy) -> str:
        how = (f"Call {self.tool_name!r} again with corrected arguments."
               if strategy == "tool" else "Answer again with only the corrected JSON.")
        return f"Your answer did not match the required schema:\n{error}\n{how}"


def extract_json(text: str, *, partial: bool = False) -> str:
    """The JSON inside an answer: a fenced block's content, else from the first ``{`` or
    ``[`` to the matching last one (small models like to add prose around it)."""
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1)
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if not starts:
        return "" if partial else text.strip()
    start = min(starts)
    if partial:
        return text[start:]
    end = max(text.rfind("}"), text.rfind("]"))
    return text[start:end + 1] if end > start else text[start:]


def strict_schema(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The schema as OpenAI's strict mode wants it (every property required, no extra
    properties), or None when it cannot be (free-form maps): then it is sent non-strict."""
    out = copy.deepcopy(schema)
    return out if _make_strict(out) else None


def _make_strict(node: Any) -> bool:
    if isinstance(node, list):
        return all(_make_strict(n) for n in node)
    if not isinstance(node, dict):
        return True
    if node.get("type") == "object" or "properties" in node:
        extra = node.get("additionalProperties", False)
        if extra not in (False, None) or "properties" not in node and "$ref" not in node:
            return False
        node["additionalProperties"] = False
        node["required"] = list(node.get("properties", {}))
    node.pop("default", None)  # strict mode rejects defaults; every key is required anyway
    for key, value in node.items():
        if key in ("properties", "$defs", "definitions"):
            if not all(_make_strict(v) for v in value.values()):
                return False
        elif key in ("items", "anyOf", "allOf", "oneOf", "prefixItems") and not _make_strict(
                value):
            return False
    return True


def _check_schema(schema: dict[str, Any]) -> None:
    validators = require("jsonschema.validators", "jsonschema")
    exceptions = require("jsonschema.exceptions", "jsonschema")

    try:
        validators.validator_for(schema).check_schema(schema)
    except exceptions.SchemaError as exc:
        raise UsageError(f"output schema is not a valid JSON schema: {exc.message}") from None


def _validate_schema(data: Any, schema: dict[str, Any]) -> Any:
    validators = require("jsonschema.validators", "jsonschema")

    validator = validators.validator_for(schema)(schema)
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in validator.iter_errors(data)]
    if problems:
        raise ValueError("\n".join(problems))
    return data


def support_of(backend: object) -> OutputSupport:
    """What a backend declares: its own ``output_support()`` (a preset may refine its type's
    declaration), else its spec's ``structured_output``; a backend without either (a
    third-party one) gets the prompted strategy."""
    own = getattr(backend, "output_support", None)
    if callable(own):
        support: OutputSupport = own()
        return support
    return OutputSupport(_type_strategy(backend))


def _type_strategy(backend: object) -> OutputStrategy:
    """The strategy the backend's type declares (a backend without a spec: prompted)."""
    return getattr(getattr(backend, "spec", None), "structured_output", "prompted")


def shapes_requests(backend: object) -> bool:
    """Whether the backend accepts ``stream(..., output=spec)``: only those whose type
    declares the native or tool strategy do (a stateful session or a chain does not)."""
    return _type_strategy(backend) != "prompted"


def strategy_for(backend: object, requested: OutputStrategy | None) -> OutputStrategy:
    """The strategy a call uses: the one asked for, else the backend's declared one. Native
    needs a backend type that can shape its requests; a preset declaring another strategy
    only changes the default (the user knows the model)."""
    declared = support_of(backend).strategy
    if requested is None:
        return declared
    if requested not in STRATEGIES:
        raise UsageError(f"unknown output strategy {requested!r}; use one of "
                         f"{', '.join(STRATEGIES)}")
    if requested == "native" and "native" not in (declared, _type_strategy(backend)):
        name = getattr(getattr(backend, "spec", None), "type", type(backend).__name__)
        raise UsageError(f"backend {name!r} has no "
                         f"native structured output (it declares {declared!r}); use 'tool' "
                         "or 'prompted'")
    return requested


@dataclass(slots=True)
class Verdict:
    """What a model call's answer means for the turn: ``value`` when it validated,
    ``follow_up`` messages to send (a retry, or replies to an output tool call)."""

    accepted: bool
    value: Any = None
    follow_up: list[Message] = field(default_factory=list)


class OutputTurn:
    """One turn's typed answer: what the model is told, its partial objects, its retries."""

    def __init__(self, output: Output, strategy: OutputStrategy, retries: int, *,
                 shaped: bool = False, schema_in_prompt: bool = False) -> None:
        self.output = output
        self.strategy = strategy
        self.retries_left = retries
        # The backend shapes its requests (output=): the native schema, or a forced tool call.
        self.shaped = shaped or strategy == "native"
        self.schema_in_prompt = schema_in_prompt
        self._text: list[str] = []
        self._call_id: str | None = None  # the output call whose arguments _text holds
        self._last_partial: Any = None

    @classmethod
    def on(cls, backend: object, output: Output, requested: OutputStrategy | None,
           retries: int) -> OutputTurn:
        """The turn as ``backend`` takes it: its strategy (or the one asked for), whether it
        shapes its requests, and whether the schema also goes into the prompt."""
        strategy = strategy_for(backend, requested)
        return cls(output, strategy, retries,
                   shaped=strategy == "tool" and shapes_requests(backend),
                   schema_in_prompt=support_of(backend).schema_in_prompt)

    @property
    def call_spec(self) -> OutputSpec | None:
        """What the backend receives as ``output=``: the native schema, or the output tool to
        force (``strategy="tool"``); None when nothing is shaped in the request."""
        if not self.shaped or self.strategy == "prompted":
            return None
        return self.output.spec(self.strategy)

    def prepare(self, user: UserMessage) -> UserMessage:
        if self.strategy == "native" and not self.schema_in_prompt:
            return user
        return UserMessage([*user.parts, TextPart(self.output.instructions(self.strategy))])

    def tools(self, tools: Sequence[ToolDef]) -> list[ToolDef]:
        return [*tools, self.output.tool_def()] if self.strategy == "tool" else list(tools)

    def start_call(self) -> None:
        self._text.clear()
        self._call_id = None
        self._last_partial = None

    def partial(self, event: object) -> StructuredOutput | None:
        """A partial object when the answer's JSON grew: a text delta's, or with the tool
        strategy a piece of the output tool's arguments (on the wires that stream them)."""
        if self.strategy == "tool":
            if not isinstance(event, ToolCallDelta) or event.name != self.output.tool_name:
                return None
            if event.call_id != self._call_id:  # a second output call: its own arguments
                self._text.clear()
                self._call_id = event.call_id
            piece = event.arguments
        elif isinstance(event, TextDelta):
            piece = event.text
        else:
            return None
        self._text.append(piece)
        value = self.output.partial("".join(self._text))
        if value is None or value == self._last_partial:
            return None
        self._last_partial = value
        return StructuredOutput(value, partial=True)

    def judge(self, message: AssistantMessage, calls: list[ToolCallPart]) -> Verdict | None:
        """None: the model asked for tools, the tool loop goes on. Else the answer's fate;
        ``StructuredOutputError`` once the retries are spent."""
        if self.strategy == "tool":
            mine = [c for c in calls if c.name == self.output.tool_name]
            if not mine:
                if calls:
                    return None
                return self._attempt(message.text, lambda: self.output.parse_text(message.text),
                                     lambda err: [UserMessage.of(err)])
            call = mine[0]
            others = [c for c in calls if c is not call]

            def replies(text: str, is_error: bool) -> list[Message]:
                return [ToolResultMessage(call.id, call.name, [TextPart(text)], is_error),
                        *(ToolResultMessage(c.id, c.name, [TextPart(
                            "not executed: the final answer was given")], True) for c in others)]

            verdict = self._attempt(json.dumps(call.arguments, ensure_ascii=False),
                                    lambda: self.output.parse_data(call.arguments),
                                    lambda err: replies(err, True))
            if verdict.accepted:
                verdict.follow_up = replies("final answer received", False)
            return verdict
        if calls:
            return None
        return self._attempt(message.text, lambda: self.output.parse_text(message.text),
                             lambda err: [UserMessage.of(err)])

    def _attempt(self, raw: str, parse: Callable[[], Any],
                 retry: Callable[[str], list[Message]]) -> Verdict:
        try:
            return Verdict(True, parse())
        except ValueError as exc:
            error = str(exc)
        if self.retries_left <= 0:
            raise StructuredOutputError(
                f"the answer did not match the {self.output.name!r} schema after the retries "
                f"allowed (output_retries): {error}\nlast answer: {raw[:2000]}", raw, error)
        self.retries_left -= 1
        return Verdict(False, follow_up=retry(self.output.retry_prompt(error, self.strategy)))


def load_schema(value: dict[str, Any] | str, base_dir: Path | None = None) -> dict[str, Any]:
    """A JSON schema given inline or as a JSON file's path, checked; ``UsageError`` says
    which file and line is wrong."""
    if isinstance(value, dict):
        schema = value
    else:
        path = Path(value).expanduser()
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read the output schema {str(path)!r}: "
                             f"{exc.strerror or exc}") from None
        try:
            schema = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}:{exc.lineno}: the output schema is not valid JSON: "
                             f"{exc.msg}") from None
        if not isinstance(schema, dict):
            raise UsageError(f"{path}: the output schema must be a JSON object")
    _check_schema(schema)
    return schema
