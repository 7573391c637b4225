"""Keep secrets out of every message agentplug shows: error text, events, reprs.

Keys and tokens are registered as they are read (``resolve_api_key``, the config loader);
``redact`` then replaces any run of ``PIECE`` or more of a secret's characters. Providers and
proxies quote back a part of a rejected key ("Incorrect API key provided: sk-abc...xyz"), so
a whole-string match is not enough.
"""

from __future__ import annotations

import re
import threading
from typing import Any

MIN_SECRET = 8
"""Shorter values are not treated as secrets: they would blank out ordinary words."""
PIECE = 8
"""The shortest run of a secret's characters that is hidden wherever it appears."""
MASK = "***"

_lock = threading.Lock()
_pieces: dict[str, frozenset[str]] = {}  # secret -> its PIECE-long substrings
_SECRET_NAME = re.compile(r"key|token|secret|passw|credential|auth|bearer|cookie",
                          re.IGNORECASE)


def looks_secret(name: object) -> bool:
    """Whether a key or variable name suggests its value is a credential."""
    return isinstance(name, str) and _SECRET_NAME.search(name) is not None


def register(value: object) -> None:
    """Remember a secret so that ``redact`` hides it (and long pieces of it) from now on."""
    if not isinstance(value, str):
        value = getattr(value, "get_secret_value", lambda: None)()
    if not isinstance(value, str):
        return
    for word in value.split():  # "Bearer <token>": the token is the secret
        if "${" in word:
            continue  # an unset variable's placeholder: its name is no secret
        if len(word) >= MIN_SECRET and word not in _pieces:
            grams = frozenset(word[i:i + PIECE] for i in range(len(word) - PIECE + 1))
            with _lock:
                _pieces[word] = grams


def redact(text: str) -> str:
    """``text`` with every registered secret, and every long piece of one, replaced."""
    if not _pieces or not text:
        return text
    with _lock:
        secrets = list(_pieces.items())
    hidden: list[tuple[int, int]] = []
    for _, grams in secrets:  # a whole secret is the union of its pieces
        if not any(g in text for g in grams):  # the common case: one C-speed scan per piece
            continue
        hidden += [(i, i + PIECE) for i in range(len(text) - PIECE + 1)
                   if text[i:i + PIECE] in grams]
    if not hidden:
        return text
    out, last = [], 0
    for start, end in _merged(hidden):
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out)


def redact_value(value: Any) -> Any:
    """``redact`` through the strings of a JSON-like value (an error body)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans.sort()
    out = [spans[0]]
    for start, end in spans[1:]:
        if start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
