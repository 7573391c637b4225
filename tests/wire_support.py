"""Fixture factories shared by the wires' tests: a simulator per test, a clean environment,
and the ``sim`` and ``make_agent`` fixtures made from a wire's ``FaultSuite`` (the simulator,
the backend config that talks to it, the key it needs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from agentplug import create_agent
from agentplug.testing import FaultSuite


def simulator_fixture(factory: Callable[..., Any], **kwargs: Any) -> Any:
    """A fixture that runs ``factory(**kwargs)`` (a simulator) for one test, then stops it."""
    @pytest.fixture
    def sim():
        with factory(**kwargs) as simulator:
            yield simulator
    return sim


def unset_env(*names: str) -> Any:
    """An autouse fixture: the real keys of whoever runs the tests never reach a simulator
    (or a provider)."""
    @pytest.fixture(autouse=True)
    def _unset(monkeypatch):
        for name in names:
            monkeypatch.delenv(name, raising=False)
    return _unset


def wire_fixtures(wire: FaultSuite, *, unset: Sequence[str] = ()) -> tuple[Any, Any]:
    sim = simulator_fixture(wire.simulator)

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
