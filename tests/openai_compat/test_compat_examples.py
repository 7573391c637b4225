"""The examples and docs of this family pass `agentplug check` (core config validation)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentplug import parse_config

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("azure_openai", "grok", "zai", "lmstudio", "vllm", "sglang")


@pytest.mark.parametrize("kind", KINDS)
def test_example_config_validates(kind):
    text = (ROOT / "examples" / f"{kind}.yaml").read_text()
    config = parse_config(text, source=f"examples/{kind}.yaml")
    assert kind in {a.spec.type for a in config.agents}


@pytest.mark.parametrize("kind", KINDS)
def test_every_yaml_block_in_the_doc_validates(kind):
    doc = (ROOT / "docs" / "backends" / f"{kind}.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    assert blocks
    for block in blocks:
        parse_config(block, source=f"docs/backends/{kind}.md")
