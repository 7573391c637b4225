"""``agentplug init``: a commented starter config that validates, for every backend."""

from __future__ import annotations

import pytest
from cli_support import run

from agentplug.commands.init import REQUIRED_MARK, starter
from agentplug.core.config import parse_config
from agentplug.core.host import default_host

REGISTRY = default_host().registry


@pytest.mark.parametrize("backend", [spec.type for spec in REGISTRY])
def test_every_backends_starter_is_a_valid_config(backend):
    text = starter(REGISTRY.get(backend))
    assert REQUIRED_MARK not in text
    config = parse_config(text, REGISTRY, source="agentplug.yaml")
    assert config.agents[0].spec.type == backend
    assert text.startswith(f"# agentplug config: one agent on the {REGISTRY.get(backend).title}")


def test_init_writes_the_file_and_check_accepts_it(tmp_path):
    result = run("init", "openai", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = (tmp_path / "agentplug.yaml").read_text()
    assert "type: openai" in written and "model: gpt-5-mini" in written
    assert "# api_key: ${OPENAI_API_KEY}" in written  # the key stays in the environment
    assert "# enable_web_search: true" in written and "# reasoning_effort: null" in written
    assert "agentplug check agentplug.yaml" in result.stderr
    checked = run("check", "agentplug.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "ok: agent 'assistant': openai gpt-5-mini" in checked.stdout


def test_init_never_overwrites_without_force(tmp_path):
    (tmp_path / "agentplug.yaml").write_text("mine\n")
    refused = run("init", "claude", cwd=tmp_path)
    assert refused.returncode == 1
    assert "agentplug.yaml exists; choose another file with -o, or pass --force" in refused.stderr
    assert (tmp_path / "agentplug.yaml").read_text() == "mine\n"
    forced = run("init", "claude", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and "type: claude" in (tmp_path / "agentplug.yaml").read_text()


def test_init_to_stdout_and_the_default_backend_without_a_terminal(tmp_path):
    result = run("init", "-o", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "type: local" in result.stdout and not list(tmp_path.iterdir())


def test_an_unknown_backend_names_the_known_ones(tmp_path):
    result = run("init", "nosuch", cwd=tmp_path)
    assert result.returncode == 1
    assert "nosuch" in result.stderr and "openai" in result.stderr
    assert "Traceback" not in result.stderr
