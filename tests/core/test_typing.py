"""The package type-checks (it ships py.typed): mypy with the pydantic plugin, as configured
in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.timeout(600)  # a cold mypy run takes ~1 min here
def test_mypy_finds_no_errors():
    pytest.importorskip("mypy")
    done = subprocess.run([sys.executable, "-m", "mypy", "agentplug"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
