from __future__ import annotations

import pytest

from structured_support import WIRES


@pytest.fixture(params=WIRES, ids=[w.name for w in WIRES])
def wire(request, monkeypatch):
    return request.param.environ(monkeypatch)


@pytest.fixture
def sim(wire):
    with wire.simulator() as simulator:
        yield simulator
