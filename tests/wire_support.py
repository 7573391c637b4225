"""The ``sim`` and ``make_agent`` fixtures of a wire's tests, made from its ``FaultSuite``
(the simulator, the backend config that talks to it, the key it needs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from agentplug import create_agent
from agentplug.testing import FaultSuite


def wire_fixtures(wire: FaultSuite, *, unset: Sequence[str] = ()) -> tuple[Any, Any]:
    @pytest.fixture
    def sim():
        with wire.simulator() as simulator:
            yield simulator

    @pytest.fixture
    def make_agent(sim, monkeypatch):
        for name, value in wire.env.items():
            monkeypatch.setenv(name, value)
        for name in unset:
            monkeypatch.delenv(name, raising=False)

        def make(tools=(), system_message=None, **backend):
            config = {**wire.config(sim.base_url), "max_retries": 0, **backend}
            return create_agent(config, tools=tools, system_message=system_message)
        return make

    return sim, make_agent
