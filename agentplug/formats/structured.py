"""A typed answer's schema in each wire's native structured-output shape.

- Chat Completions: ``response_format: {type: json_schema, json_schema: {name, schema, strict}}``
  (OpenAI, and the OpenAI-compatible servers: vLLM, SGLang, LM Studio); llama-cpp-python's
  server takes ``{type: json_object, schema}`` and constrains decoding by its grammar.
- Responses: ``text.format: {type: json_schema, name, schema, strict}``.
- Anthropic Messages: ``output_config.format: {type: json_schema, schema}``.
- Gemini: ``response_mime_type: application/json`` with ``response_json_schema``.

OpenAI's strict mode and Anthropic want every property required and no extra properties;
a schema that cannot say so (a free-form map) goes non-strict on OpenAI.

The tool strategy's forced call, per wire: the output tool by name when it is the only
function tool, else any tool (so that the agent's own tools stay callable first; this is
also what the recorded real requests do, see tests/structured/recorded/SOURCE.md):

- Chat Completions: ``tool_choice: {type: function, function: {name}}`` / ``"required"``.
- Responses: ``tool_choice: {type: function, name}`` / ``"required"``.
- Anthropic Messages: ``tool_choice: {type: tool, name}`` / ``{type: any}``.
- Gemini: ``tool_config.function_calling_config: {mode: ANY, allowed_function_names}``.
"""

from __future__ import annotations

import copy
from typing import Any

from agentplug.core.structured import OutputSpec, strict_schema

Schema = dict[str, Any]
# The JSON Schema keywords Gemini's response_json_schema knows; others are left out.
_GEMINI_KEYS = frozenset({
    "$id", "$defs", "$ref", "$anchor", "type", "format", "title", "description", "enum",
    "items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "anyOf", "oneOf",
    "properties", "additionalProperties", "required", "propertyOrdering", "const",
    "minLength", "maxLength", "pattern",
})


def _named(output: OutputSpec) -> tuple[Schema, bool]:
    strict = strict_schema(output.schema)
    return (strict, True) if strict is not None else (copy.deepcopy(output.schema), False)


def chat_completions_format(output: OutputSpec) -> Schema:
    schema, strict = _named(output)
    inner: Schema = {"name": output.name, "schema": schema, "strict": strict}
    if output.description:
        inner["description"] = output.description
    return {"type": "json_schema", "json_schema": inner}


def json_object_format(output: OutputSpec) -> Schema:
    """llama-cpp-python's server: it compiles ``schema`` to a grammar but knows only the
    ``json_object`` type (``json_schema`` is refused with a 422)."""
    return {"type": "json_object", "schema": copy.deepcopy(output.schema)}


def responses_format(output: OutputSpec) -> Schema:
    schema, strict = _named(output)
    fmt: Schema = {"type": "json_schema", "name": output.name, "schema": schema,
                   "strict": strict}
    if output.description:
        fmt["description"] = output.description
    return fmt


def anthropic_format(output: OutputSpec) -> Schema:
    schema = strict_schema(output.schema)
    return {"type": "json_schema", "schema": schema if schema is not None
            else copy.deepcopy(output.schema)}


def chat_completions_tool_choice(output: OutputSpec, alone: bool) -> Any:
    return {"type": "function", "function": {"name": output.tool_name}} if alone else "required"


def responses_tool_choice(output: OutputSpec, alone: bool) -> Any:
    return {"type": "function", "name": output.tool_name} if alone else "required"


def anthropic_tool_choice(output: OutputSpec, alone: bool) -> Schema:
    return {"type": "tool", "name": output.tool_name} if alone else {"type": "any"}


def gemini_function_calling(output: OutputSpec, names: list[str]) -> Schema:
    """``names``: every function the request declares (the output tool among them)."""
    return {"mode": "ANY", "allowed_function_names": names or [output.tool_name]}


def gemini_config(output: OutputSpec) -> Schema:
    return {"response_mime_type": "application/json",
            "response_json_schema": _gemini_node(output.schema)}


def _gemini_node(node: Any) -> Any:
    if isinstance(node, list):
        return [_gemini_node(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: Schema = {}
    for key, value in node.items():
        if key not in _GEMINI_KEYS:
            continue
        if key in ("properties", "$defs"):
            out[key] = {name: _gemini_node(v) for name, v in value.items()}
        elif key in ("items", "anyOf", "oneOf", "prefixItems", "additionalProperties"):
            out[key] = _gemini_node(value)
        else:
            out[key] = value
    return out
