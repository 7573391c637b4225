from __future__ import annotations

import pytest

from structured_support import WIRES


@pytest.fixture(params=WIRES, ids=[w.name for w in WIRES])
def wire(request, monkeypatch):
    for name, value in request.param.env.items():
        monkeypatch.setenv(name, value)
    for name in ("ANTHROPIC_BASE_URL", "GOOGLE_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return request.param


@pytest.fixture
def sim(wire):
    with wire.simulator() as simulator:
        yield simulator
