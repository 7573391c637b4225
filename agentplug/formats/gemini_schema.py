"""JSON Schema → the OpenAPI subset Gemini function declarations accept.

Gemini's ``parameters`` schema knows ``type`` (one name), ``format``, ``description``,
``nullable``, ``enum`` (strings), ``items``, ``properties``, ``required``, ``anyOf`` and a few
bounds. Schemas from typed Python functions (pydantic) and MCP servers use more: ``$ref`` into
``$defs``, ``anyOf`` with ``null`` for optionals, type lists, ``const``, ``additionalProperties``,
``default``, ``title``. Those are rewritten here, never silently turned into something that
accepts less than the original: a constraint Gemini cannot express moves into the description.
"""

from __future__ import annotations

import copy
from typing import Any

Schema = dict[str, Any]
_TYPES = {"string": "STRING", "number": "NUMBER", "integer": "INTEGER", "boolean": "BOOLEAN",
          "array": "ARRAY", "object": "OBJECT"}
_KEPT = ("description", "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum",
         "pattern", "minProperties", "maxProperties")
_FORMATS = {"STRING": {"enum", "date-time"}, "INTEGER": {"int32", "int64"},
            "NUMBER": {"float", "double"}}
_MAX_DEPTH = 12  # recursive $refs are cut off here (Gemini has no references)


def gemini_schema(schema: Schema) -> Schema | None:
    """The parameters schema for Gemini, or None for a function without parameters."""
    defs = {**(schema.get("definitions") or {}), **(schema.get("$defs") or {})}
    out = _convert(copy.deepcopy(schema), defs, 0)
    if out.get("type") == "OBJECT" and not out.get("properties"):
        return None
    return out


def _resolve(node: Schema, defs: dict[str, Schema], depth: int) -> Schema:
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    name = ref.rsplit("/", 1)[-1]
    target = defs.get(name)
    if target is None or depth >= _MAX_DEPTH:
        return {"type": "object", "description": node.get("description")
                or f"(a {name} object; its schema is recursive or missing)"}
    merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return _resolve(merged, defs, depth + 1)


def _convert(node: Any, defs: dict[str, Schema], depth: int) -> Schema:
    if not isinstance(node, dict):
        return {"type": "STRING"}
    node = _resolve(node, defs, depth)
    notes: list[str] = []
    if "allOf" in node:
        node = _merge_all_of(node, defs, depth)
    if "const" in node:
        node = {**node, "enum": [node.pop("const")]}
    variants = node.get("anyOf") or node.get("oneOf")
    types = node.get("type")
    if isinstance(types, list):
        variants = [{"type": t} for t in types]
    nullable = False
    if variants:
        real = [v for v in variants if not (isinstance(v, dict) and v.get("type") == "null")]
        nullable = len(real) < len(variants)
        base = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf", "type")}
        if len(real) == 1:
            out = _convert({**real[0], **base}, defs, depth + 1)
        else:
            out = _union(real, base, defs, depth, notes)
    else:
        out = _single(node, defs, depth, notes)
    if nullable:
        out["nullable"] = True
    if notes:
        out["description"] = " ".join(filter(None, [out.get("description"), *notes]))
    return out


def _single(node: Schema, defs: dict[str, Schema], depth: int, notes: list[str]) -> Schema:
    kind = node.get("type")
    if kind is None:
        kind = ("object" if "properties" in node else "array" if "items" in node
                else _enum_type(node["enum"]) if "enum" in node else None)
    out: Schema = {"type": _TYPES.get(str(kind), "STRING")}
    if kind is None:
        notes.append("(any JSON value, given as a string)")
    for key in _KEPT:
        if key in node:
            out[key] = node[key]
    if "exclusiveMinimum" in node and isinstance(node["exclusiveMinimum"], (int, float)):
        out["minimum"] = node["exclusiveMinimum"]
        notes.append(f"(must be greater than {node['exclusiveMinimum']})")
    if "exclusiveMaximum" in node and isinstance(node["exclusiveMaximum"], (int, float)):
        out["maximum"] = node["exclusiveMaximum"]
        notes.append(f"(must be less than {node['exclusiveMaximum']})")
    fmt = node.get("format")
    if fmt and fmt in _FORMATS.get(out["type"], set()):
        out["format"] = fmt
    elif fmt:
        notes.append(f"(format: {fmt})")
    if "enum" in node:
        values = [v for v in node["enum"] if v is not None]
        if out["type"] == "STRING" and all(isinstance(v, str) for v in values):
            out["enum"] = values
        else:  # Gemini enums are strings only: keep the allowed values in words
            notes.append("(one of: " + ", ".join(map(repr, values)) + ")")
    if "default" in node and node["default"] is not None:
        notes.append(f"(default: {node['default']!r})")
    if out["type"] == "OBJECT":
        props = node.get("properties") or {}
        if props:  # an empty ``properties`` is rejected ("should be non-empty for OBJECT")
            out["properties"] = {k: _convert(v, defs, depth + 1) for k, v in props.items()}
        required = [r for r in node.get("required") or [] if r in props]
        if required:
            out["required"] = required
        extra = node.get("additionalProperties")
        if not props and extra not in (None, False):
            notes.append("(an object with any keys)")
    elif out["type"] == "ARRAY":
        items = node.get("items")
        tuple_items = node.get("prefixItems") or (items if isinstance(items, list) else None)
        if tuple_items:  # a tuple: Gemini has none, describe the positions
            notes.append(f"(a list of {len(tuple_items)} items, in this order: "
                         + ", ".join(str(t.get("type", "any")) for t in tuple_items) + ")")
            items = {"anyOf": tuple_items}
        out["items"] = _convert(items, defs, depth + 1) if items else {"type": "STRING"}
    return out


def _enum_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "integer"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                       for v in present):
        return "number"
    return "string"


def _union(variants: list[Any], base: Schema, defs: dict[str, Schema], depth: int,
           notes: list[str]) -> Schema:
    converted = [_convert(v, defs, depth + 1) for v in variants]
    # Literal unions (const / enum of strings) become one string enum.
    if converted and all(c.get("type") == "STRING" and c.get("enum") for c in converted):
        return _single({**base, "type": "string",
                        "enum": [e for c in converted for e in c["enum"]]}, defs, depth, notes)
    out: Schema = {"anyOf": converted}
    if base.get("description"):
        out["description"] = base["description"]
    if base.get("default") is not None:
        notes.append(f"(default: {base['default']!r})")
    return out


def _merge_all_of(node: Schema, defs: dict[str, Schema], depth: int) -> Schema:
    merged: Schema = {k: v for k, v in node.items() if k != "allOf"}
    for part in node["allOf"]:
        part = _resolve(part, defs, depth + 1) if isinstance(part, dict) else {}
        for key, value in part.items():
            if key == "properties":
                merged.setdefault("properties", {}).update(value)
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged
