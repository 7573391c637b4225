"""The Gemini schema sanitiser, on schemas from typed Python functions and real MCP servers."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel

from agentplug.core.tools import FunctionTool
from agentplug.formats.gemini_schema import gemini_schema

# Input schemas exactly as @modelcontextprotocol/server-everything 2026.8.31 lists them
# (captured with the mcp client over stdio).
EVERYTHING = {
    "echo": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
             "properties": {"message": {"type": "string", "description": "Message to echo"}},
             "required": ["message"]},
    "get-env": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                "properties": {}},
    "gzip-file-as-resource": {
        "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {
            "name": {"default": "README.md.gz", "type": "string",
                     "description": "Name of the output file"},
            "data": {"default": "https://raw.githubusercontent.com/modelcontextprotocol/servers/"
                                "refs/heads/main/README.md",
                     "type": "string", "format": "uri",
                     "description": "URL or data URI of the file content to compress"},
            "outputType": {"default": "resourceLink",
                           "description": "How the resulting gzipped file should be returned.",
                           "type": "string", "enum": ["resourceLink", "resource"]}}},
    "get-resource-links": {
        "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {
            "count": {"default": 3, "description": "Number of resource links to return (1-10)",
                      "type": "number", "minimum": 1, "maximum": 10}}},
}

# What Gemini's parameters schema accepts (google-genai types.Schema fields, camelCase).
ALLOWED = {"type", "format", "description", "nullable", "enum", "items", "properties",
           "required", "anyOf", "minItems", "maxItems", "minLength", "maxLength", "minimum",
           "maximum", "pattern", "minProperties", "maxProperties"}
TYPES = {"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT"}


def assert_gemini_ok(schema: Any) -> None:
    """Every node uses only accepted keys, one upper-case type, string enums, no refs."""
    assert isinstance(schema, dict)
    assert set(schema) <= ALLOWED, set(schema) - ALLOWED
    if "anyOf" in schema:
        for variant in schema["anyOf"]:
            assert_gemini_ok(variant)
    else:
        assert schema["type"] in TYPES
    if "enum" in schema:
        assert schema["type"] == "STRING" and all(isinstance(v, str) for v in schema["enum"])
    for sub in (schema.get("properties") or {}).values():
        assert_gemini_ok(sub)
    if "properties" in schema:
        assert schema["properties"], "an empty properties map is rejected"
        assert set(schema.get("required", [])) <= set(schema["properties"])
    if "items" in schema:
        assert_gemini_ok(schema["items"])


def test_mcp_everything_schemas():
    echo = gemini_schema(EVERYTHING["echo"])
    assert echo == {"type": "OBJECT", "required": ["message"], "properties": {
        "message": {"type": "STRING", "description": "Message to echo"}}}
    assert gemini_schema(EVERYTHING["get-env"]) is None  # no parameters at all
    gz = gemini_schema(EVERYTHING["gzip-file-as-resource"])
    assert_gemini_ok(gz)
    assert gz["properties"]["outputType"]["enum"] == ["resourceLink", "resource"]
    # Neither the default nor the unsupported uri format is lost: they move into words.
    data = gz["properties"]["data"]
    assert "format" not in data and "(format: uri)" in data["description"]
    assert "(default: 'README.md.gz')" in gz["properties"]["name"]["description"]
    count = gemini_schema(EVERYTHING["get-resource-links"])["properties"]["count"]
    assert (count["type"], count["minimum"], count["maximum"]) == ("NUMBER", 1, 10)


class Unit(StrEnum):
    C = "celsius"
    F = "fahrenheit"


class Point(BaseModel):
    x: float
    y: float


class Route(BaseModel):
    """A route."""

    start: Point
    stops: list[Point] = []
    via: Point | None = None


class Tree(BaseModel):
    name: str
    children: list[Tree] = []


def plan(route: Route, unit: Unit = Unit.C, mode: Literal["car", "bike"] = "car",
         speed: int | float | None = None, tags: dict[str, str] | None = None,
         pair: tuple[int, str] | None = None, tree: Tree | None = None) -> str:
    """Plan a route.

    Args:
        route: the route
        unit: temperature unit
    """
    return ""


def test_typed_python_function_schema():
    raw = FunctionTool(plan).definition.parameters
    assert "$defs" in raw and "additionalProperties" in raw  # what pydantic really gives
    schema = gemini_schema(raw)
    assert_gemini_ok(schema)
    assert "$" not in json.dumps(schema)
    props = schema["properties"]
    assert set(schema["required"]) == {"route"}
    route = props["route"]
    assert route["properties"]["start"]["properties"]["x"] == {"type": "NUMBER"}
    assert route["properties"]["stops"]["items"]["type"] == "OBJECT"
    assert route["properties"]["via"]["nullable"] is True
    assert props["unit"]["enum"] == ["celsius", "fahrenheit"]
    assert props["mode"]["enum"] == ["car", "bike"]
    assert [v["type"] for v in props["speed"]["anyOf"]] == ["INTEGER", "NUMBER"]
    assert props["speed"]["nullable"] is True
    assert props["tags"]["type"] == "OBJECT" and "properties" not in props["tags"]
    assert "list of 2 items" in props["pair"]["description"]
    # A recursive model is unrolled to a bounded depth, never an endless or broken schema.
    depth, node = 0, props["tree"]
    while "children" in node.get("properties", {}):
        node = node["properties"]["children"]["items"]
        depth += 1
    assert 3 <= depth <= 13


def test_json_schema_forms_gemini_rejects():
    schema = gemini_schema({
        "type": "object", "additionalProperties": False, "title": "Args",
        "properties": {
            "kind": {"const": "fixed"},
            "level": {"enum": [1, 2, 3]},
            "either": {"oneOf": [{"const": "a"}, {"const": "b"}]},
            "maybe": {"type": ["string", "null"]},
            "many": {"type": ["string", "integer"]},
            "combo": {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}},
                                {"properties": {"b": {"type": "integer"}},
                                 "required": ["b"]}]},
            "ratio": {"type": "number", "exclusiveMinimum": 0},
            "anything": {},
        },
        "definitions": {"unused": {"type": "string"}},
    })
    assert_gemini_ok(schema)
    p = schema["properties"]
    assert p["kind"] == {"type": "STRING", "enum": ["fixed"]}
    assert p["level"]["type"] == "INTEGER" and "one of: 1, 2, 3" in p["level"]["description"]
    assert p["either"]["enum"] == ["a", "b"]
    assert p["maybe"] == {"type": "STRING", "nullable": True}
    assert [v["type"] for v in p["many"]["anyOf"]] == ["STRING", "INTEGER"]
    assert set(p["combo"]["properties"]) == {"a", "b"} and p["combo"]["required"] == ["b"]
    assert p["ratio"]["minimum"] == 0 and "greater than 0" in p["ratio"]["description"]
    assert p["anything"]["type"] == "STRING"
