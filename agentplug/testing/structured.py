"""What the real APIs reject in a structured-output request, for the simulators to reject too.

Each function takes a request body and returns the provider's error message, or None when
the real API would accept it. The rules are the documented ones: OpenAI's strict mode wants
an object at the root, every object closed (``additionalProperties: false``) and every
property required; Anthropic wants every object closed; Gemini wants
``response_mime_type: application/json`` with a schema, and one schema field, not both.
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


def chat_completions_problem(body: Any) -> str | None:
    fmt = body.get("response_format") if isinstance(body, dict) else None
    if fmt is None:
        return None
    if fmt.get("type") == "json_schema":
        inner = fmt.get("json_schema")
        if not isinstance(inner, dict):
            return "Missing required parameter: 'response_format.json_schema'."
        return _openai_format_problem({"type": "json_schema", **inner},
                                      "response_format.json_schema")
    return _openai_format_problem(fmt, "response_format")


def llama_cpp_problem(body: Any) -> str | None:
    """llama-cpp-python's server validates ``response_format.type`` as text or json_object
    (a schema rides along as ``schema``) and answers anything else with a 422."""
    fmt = body.get("response_format") if isinstance(body, dict) else None
    if fmt is None or fmt.get("type") in ("text", "json_object"):
        return None
    return ("response_format.type: Input should be 'text' or 'json_object' "
            f"[type=literal_error, input_value={fmt.get('type')!r}, input_type=str]")


def responses_problem(body: Any) -> str | None:
    text = body.get("text") if isinstance(body, dict) else None
    fmt = (text or {}).get("format")
    return None if fmt is None else _openai_format_problem(fmt, "text.format")


def anthropic_problem(body: Any) -> str | None:
    config = body.get("output_config") if isinstance(body, dict) else None
    fmt = (config or {}).get("format")
    if fmt is None:
        return None
    if fmt.get("type") != "json_schema" or not isinstance(fmt.get("schema"), dict):
        return "output_config.format: expected {type: 'json_schema', schema: {...}}"
    problem = strict_problem(fmt["schema"])
    if problem and "additionalProperties" in problem:
        return ("output_config.format.schema: For 'object' type, 'additionalProperties' must "
                "be explicitly set to false")
    return None


def gemini_problem(body: Any) -> str | None:
    config: dict[str, Any] = {}
    if isinstance(body, dict):
        config = body.get("generationConfig") or body.get("generation_config") or {}

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
