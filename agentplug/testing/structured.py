"""What the real APIs reject in a structured-output request, for the simulators to reject too.

Each function takes a request body and returns the provider's error message, or None when
the real API would accept it. The rules are the documented ones: OpenAI's strict mode wants
an object at the root, every object closed (``additionalProperties: false``) and every
property required; Anthropic wants every object closed; Gemini wants
``response_mime_type: application/json`` with a schema, and one schema field, not both.

A forced tool choice (the tool strategy) must name a tool the request declares, on every
wire; Anthropic refuses forcing while extended thinking is on, and Gemini takes
``allowed_function_names`` only with mode ``ANY``.
"""

from __future__ import annotations

import re
from typing import Any

_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def strict_problem(schema: Any, where: str = "") -> str | None:
    """The first node OpenAI's strict mode refuses, in its own words."""
    if isinstance(schema, list):
        for i, item in enumerate(schema):
            if problem := strict_problem(item, f"{where}, {i}"):
                return problem
        return None
    if not isinstance(schema, dict):
        return None
    context = f"In context=({where.lstrip(', ')})"
    if schema.get("type") == "object":
        if schema.get("additionalProperties") is not False:
            return (f"{context}, 'additionalProperties' is required to be supplied and to be "
                    "false.")
        missing = [k for k in schema.get("properties", {}) if k not in schema.get("required", [])]
        if missing:
            return (f"{context}, 'required' is required to be supplied and to be an array "
                    f"including every key in properties. Missing '{missing[0]}'.")
    if "default" in schema:
        return f"{context}, 'default' is not permitted."
    for key, value in schema.items():
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            for name, sub in value.items():
                if problem := strict_problem(sub, f"{where}, '{key}', '{name}'"):
                    return problem
        elif key in ("items", "anyOf", "allOf", "prefixItems") and (
                problem := strict_problem(value, f"{where}, '{key}'")):
            return problem
    return None


def _openai_format_problem(fmt: dict[str, Any], field: str) -> str | None:
    kind = fmt.get("type")
    if kind not in ("text", "json_object", "json_schema"):
        return f"Invalid value for '{field}.type': {kind!r}."
    if kind != "json_schema":
        return None
    name, schema = fmt.get("name"), fmt.get("schema")
    if not isinstance(name, str) or not _NAME.match(name):
        return f"Invalid '{field}.name': must match ^[a-zA-Z0-9_-]{{1,64}}$."
    if not isinstance(schema, dict):
        return f"Missing required parameter: '{field}.schema'."
    if schema.get("type") != "object":
        return (f"Invalid schema for response_format '{name}': schema must be a JSON Schema of "
                f"'type: \"object\"', got 'type: \"{schema.get('type')}\"'.")
    if fmt.get("strict") and (problem := strict_problem(schema)):
        return f"Invalid schema for response_format '{name}': {problem}"
    return None


def _function_names(tools: Any, nested: bool) -> list[str]:
    names = []
    for tool in tools or ():
        if isinstance(tool, dict) and tool.get("type", "function") == "function":
            name = (tool.get("function") or {}).get("name") if nested else tool.get("name")
            names.append(str(name))
    return names


def _openai_tool_choice_problem(body: dict[str, Any], nested: bool) -> str | None:
    choice = body.get("tool_choice")
    if choice is None:
        return None
    if not body.get("tools"):
        return ("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' "
                "are specified.")
    if isinstance(choice, str):
        if choice in ("none", "auto", "required"):
            return None
        return (f"Invalid value: '{choice}'. Supported values are: 'none', 'auto', and "
                "'required'.")
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = (choice.get("function") or {}).get("name") if nested else choice.get("name")
        if name not in _function_names(body.get("tools"), nested):
            return f"Tool choice 'function' named {name!r} not found in 'tools' parameter."
    return None


def chat_completions_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    if problem := _openai_tool_choice_problem(body, nested=True):
        return problem
    fmt = body.get("response_format")
    if fmt is None:
        return None
    if fmt.get("type") == "json_schema":
        inner = fmt.get("json_schema")
        if not isinstance(inner, dict):
            return "Missing required parameter: 'response_format.json_schema'."
        return _openai_format_problem({"type": "json_schema", **inner},
                                      "response_format.json_schema")
    return _openai_format_problem(fmt, "response_format")


def provider_problem(body: Any, response_formats: frozenset[str],
                     tool_choices: frozenset[str]) -> str | None:
    """What an OpenAI-compatible provider refuses beyond OpenAI's own rules: a
    ``response_format`` type it does not offer (Groq's words for a model without
    json_schema), a ``tool_choice`` beyond the ones its docs list (``"function"``: a named
    one)."""
    if not isinstance(body, dict):
        return None
    fmt = (body.get("response_format") or {}).get("type")
    if fmt is not None and fmt not in response_formats:
        return f"This model does not support response format `{fmt}`"
    choice = body.get("tool_choice")
    kind = choice.get("type") if isinstance(choice, dict) else choice
    if kind is not None and kind not in tool_choices:
        return (f"tool_choice {kind!r} is not supported; supported: "
                f"{', '.join(sorted(tool_choices))}")
    return None


def llama_cpp_problem(body: Any) -> str | None:
    """llama-cpp-python's server validates ``response_format.type`` as text or json_object
    (a schema rides along as ``schema``) and answers anything else with a 422."""
    fmt = body.get("response_format") if isinstance(body, dict) else None
    if fmt is None or fmt.get("type") in ("text", "json_object"):
        return None
    return ("response_format.type: Input should be 'text' or 'json_object' "
            f"[type=literal_error, input_value={fmt.get('type')!r}, input_type=str]")


def responses_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    if problem := _openai_tool_choice_problem(body, nested=False):
        return problem
    fmt = (body.get("text") or {}).get("format")
    return None if fmt is None else _openai_format_problem(fmt, "text.format")


def anthropic_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    choice = body.get("tool_choice") or {}
    if choice.get("type") in ("any", "tool"):
        if (body.get("thinking") or {}).get("type") in ("enabled", "adaptive"):
            return "Thinking may not be enabled when tool_choice forces tool use."
        names = [t.get("name") for t in body.get("tools") or ()]
        if choice["type"] == "tool" and choice.get("name") not in names:
            return f"tool_choice.name: tool {choice.get('name')!r} not found in tools"
    fmt = (body.get("output_config") or {}).get("format")
    if fmt is None:
        return None
    if fmt.get("type") != "json_schema" or not isinstance(fmt.get("schema"), dict):
        return "output_config.format: expected {type: 'json_schema', schema: {...}}"
    problem = strict_problem(fmt["schema"])
    if problem and "additionalProperties" in problem:
        return ("output_config.format.schema: For 'object' type, 'additionalProperties' must "
                "be explicitly set to false")
    return None


def _gemini_tool_config_problem(body: dict[str, Any]) -> str | None:
    tool_config = body.get("toolConfig") or body.get("tool_config") or {}
    calling = (tool_config.get("functionCallingConfig")
               or tool_config.get("function_calling_config") or {})
    allowed = calling.get("allowedFunctionNames") or calling.get("allowed_function_names")
    if not allowed:
        return None
    where = "* GenerateContentRequest.tool_config.function_calling_config"
    if calling.get("mode") != "ANY":
        return f"{where}.allowed_function_names: only allowed when mode is ANY."
    declared = {d.get("name") for t in body.get("tools") or ()
                for d in t.get("functionDeclarations") or t.get("function_declarations") or ()}
    if unknown := [n for n in allowed if n not in declared]:
        return f"{where}.allowed_function_names: {unknown[0]!r} is not a declared function."
    return None


def gemini_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    if problem := _gemini_tool_config_problem(body):
        return problem
    config: dict[str, Any] = body.get("generationConfig") or body.get("generation_config") or {}

    def get(camel: str, snake: str) -> Any:
        return config.get(camel, config.get(snake))

    json_schema = get("responseJsonSchema", "response_json_schema")
    schema = get("responseSchema", "response_schema")
    if json_schema is not None and schema is not None:
        return ("response_schema and response_json_schema cannot both be set; use one of "
                "them.")
    mime = get("responseMimeType", "response_mime_type")
    if (json_schema is not None or schema is not None) and mime != "application/json":
        return ("* GenerateContentRequest.generation_config.response_mime_type: "
                "must be application/json when a response schema is set.")
    return None
