from __future__ import annotations

import pytest

from batch_support import BatchSim, config_text


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ray: starts a real multi-node Ray cluster (slow)")


@pytest.fixture
def sim():
    with BatchSim() as simulator:
        yield simulator


@pytest.fixture
def config(tmp_path, sim):
    path = tmp_path / "agents.yaml"
    path.write_text(config_text(sim.base_url))
    return path
