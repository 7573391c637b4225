"""Messages and tools in the Gemini ``generateContent`` format (plain dicts, no SDK).

Dicts use the SDK's snake_case field names and carry ``bytes`` where the SDK types do
(``thought_signature``, ``inline_data.data``): the SDK validates them into its models and
base64-encodes the bytes on the wire. A model turn produced by the gemini backend keeps its
parts in ``provider_data["parts"]`` (JSON form, signatures in base64) and is replayed as it
came: Gemini 3 rejects a function call sent back without its thought signature. Turns from
other backends are rebuilt from their neutral parts.

Function calls from Gemini 2.x carry no id; the backend gives them a local one (prefix
``LOCAL_ID``) which is never sent back.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from ..core.messages import (
    AssistantMessage, FilePart, ImagePart, Message, Part, SystemMessage, TextPart, ToolCallPart,
    ToolResultMessage, UserMessage, native_data,
)
from ..core.tools import ToolDef
from .gemini_schema import gemini_schema

Content = dict[str, Any]
LOCAL_ID = "gemini_local_"
# Google's documented placeholder for function calls that did not come from Gemini 3 itself.
FOREIGN_SIGNATURE = b"skip_thought_signature_validator"


def function_declarations(defs: Sequence[ToolDef]) -> list[dict[str, Any]]:
    out = []
    for td in defs:
        decl: dict[str, Any] = {"name": td.name, "description": td.description}
        params = gemini_schema(td.parameters or {})
        if params is not None:
            decl["parameters"] = params
        out.append(decl)
    return out


def system_instruction(history: Sequence[Message]) -> str | None:
    texts = [m.text for m in history if isinstance(m, SystemMessage) and m.text]
    return "\n\n".join(texts) if texts else None


def contents(history: Sequence[Message], backend: str, *, sign_foreign_calls: bool = False
             ) -> list[Content]:
    """The conversation as ``contents`` (system messages go to ``system_instruction``).

    ``sign_foreign_calls``: give function calls made by other backends the placeholder
    signature Gemini 3 accepts in place of its own.
    """
    out: list[Content] = []
    for m in history:
        if isinstance(m, UserMessage):
            _append(out, "user", user_parts(m.parts))
        elif isinstance(m, ToolResultMessage):
            _append(out, "user", function_response(m))
        elif isinstance(m, AssistantMessage):
            native = native_data(m, backend)
            if native and isinstance(native.get("parts"), list):
                parts = [from_json(p) for p in native["parts"]]
            else:
                parts = _neutral_model_parts(m.parts, sign_foreign_calls)
            _append(out, "model", parts)
    return out


def _append(out: list[Content], role: str, parts: list[dict[str, Any]]) -> None:
    if not parts:
        return
    if out and out[-1]["role"] == role:
        out[-1]["parts"].extend(parts)  # all responses to one turn's calls go together
    else:
        out.append({"role": role, "parts": parts})


def user_parts(parts: Sequence[Part]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in parts:
        if isinstance(p, TextPart) and p.text:
            out.append({"text": p.text})
        elif isinstance(p, ImagePart | FilePart) and p.data is not None:
            # (an upload by URL is refused by the config check: Gemini reads no web URLs)
            out.append({"inline_data": {"mime_type": p.mime_type,
                                        "data": base64.b64decode(p.data)}})
    return out


def function_response(m: ToolResultMessage) -> list[dict[str, Any]]:
    # Google's convention: the result under "output", a failure under "error".
    key = "error" if m.is_error else "output"
    response: dict[str, Any] = {"name": m.name, "response": {key: m.text}}
    if not m.call_id.startswith(LOCAL_ID):
        response["id"] = m.call_id
    images = [p for p in m.parts if isinstance(p, ImagePart)]
    return [{"function_response": response}, *user_parts(images)]


def _neutral_model_parts(parts: Sequence[Part], sign: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    first_call = True
    for p in parts:
        if isinstance(p, TextPart) and p.text:
            out.append({"text": p.text})
        elif isinstance(p, ToolCallPart):
            call: dict[str, Any] = {"name": p.name, "args": p.arguments}
            if not p.id.startswith(LOCAL_ID):
                call["id"] = p.id
            part: dict[str, Any] = {"function_call": call}
            if sign and first_call:
                part["thought_signature"] = FOREIGN_SIGNATURE
            first_call = False
            out.append(part)
    return out


def from_json(part: dict[str, Any]) -> dict[str, Any]:
    """A stored part (the SDK's ``model_dump(mode="json")``) back in request form: base64
    text becomes bytes again."""
    out = dict(part)
    if isinstance(out.get("thought_signature"), str):
        out["thought_signature"] = b64decode(out["thought_signature"])
    blob = out.get("inline_data")
    if isinstance(blob, dict) and isinstance(blob.get("data"), str):
        out["inline_data"] = {**blob, "data": b64decode(blob["data"])}
    return out


def b64decode(text: str) -> bytes:
    """Standard or URL-safe base64 (the API and the SDK use both), padding optional."""
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except binascii.Error:
        return text.encode()
