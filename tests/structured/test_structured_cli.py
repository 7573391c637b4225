"""``agentplug run --output-schema``, the YAML ``output_schema:`` key, and batch result lines,
each in a child process against the Chat Completions simulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentplug import ConfigError, load_config
from agentplug.testing import ChatCompletionsSimulator, Reply

from structured_support import BAD, GOOD

OFFLINE = '{type: chatcompletion, model: m, base_url: "http://127.0.0.1:9/v1"}'
AGENTPLUG = str(Path(sys.executable).parent / "agentplug")
SCHEMA = {"type": "object", "additionalProperties": False, "required": ["name", "size", "sights"],
          "properties": {"name": {"type": "string"},
                         "size": {"enum": ["small", "large"]},
                         "sights": {"type": "array", "items": {"type": "string"}}}}


def agentplug(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(cwd)}
    return subprocess.run([AGENTPLUG, *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=env)


def test_run_output_schema_prints_only_the_validated_json(tmp_path):
    (tmp_path / "city.json").write_text(json.dumps(SCHEMA))
    with ChatCompletionsSimulator(Reply(BAD), Reply(GOOD)) as sim:
        done = agentplug("run", "-b", "chatcompletion", "-m", "sim-model", "--base-url",
                         sim.base_url, "--output-schema", "city.json", "Describe Lyon.",
                         cwd=tmp_path)
        sent = [r.body for r in sim.requests]
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(GOOD)  # one line: the JSON, nothing else
    assert sent[0]["response_format"]["json_schema"]["strict"] is True
    assert "huge" in json.dumps(sent[1])


def test_a_yaml_output_schema_file_is_used_and_a_bad_one_is_located(tmp_path):
    (tmp_path / "city.json").write_text(json.dumps(SCHEMA))
    config = tmp_path / "agent.yaml"
    with ChatCompletionsSimulator(Reply(GOOD)) as sim:
        config.write_text(f"agent:\n  backend: {{type: chatcompletion, model: sim-model, "
                          f"base_url: {sim.base_url}}}\n  output_schema: city.json\n")
        assert load_config(config).agent().output_schema == SCHEMA
        done = agentplug("run", "-c", str(config), "Describe Lyon.", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["size"] == "large"
        assert "response_format" in sim.requests[0].body
    (tmp_path / "broken.json").write_text('{"type": "object",\n  "properties": }')
    config.write_text(f"agent:\n  backend: {OFFLINE}\n"
                      "  output_schema: broken.json\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    text = str(caught.value)
    assert "agent.yaml:3" in text and "output_schema" in text
    assert "broken.json:2" in text and "not valid JSON" in text


def test_an_inline_yaml_schema_that_is_not_a_schema_is_refused(tmp_path):
    config = tmp_path / "agent.yaml"
    config.write_text(f"agent:\n  backend: {OFFLINE}\n"
                      "  output_schema: {type: 12}\n")
    with pytest.raises(ConfigError, match="not a valid JSON schema"):
        load_config(config)


def test_batch_result_lines_carry_the_validated_json(tmp_path):
    (tmp_path / "city.json").write_text(json.dumps(SCHEMA))
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps({"id": str(i), "prompt": f"city {i}"}) + "\n"
                             for i in range(3)))
    with ChatCompletionsSimulator(default=Reply(GOOD)) as sim:
        config = tmp_path / "agent.yaml"
        config.write_text(f"agent:\n  backend: {{type: chatcompletion, model: sim-model, "
                          f"base_url: {sim.base_url}}}\n  output_schema: city.json\n")
        done = subprocess.run([AGENTPLUG, "batch", "-c", str(config), str(tasks), "-o",
                               str(tmp_path / "out.jsonl")], capture_output=True, text=True,
                              timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(lines) == 3
    assert all(line["output"] == json.loads(GOOD) for line in lines)


def test_yaml_output_retries_bounds_the_retries(tmp_path):
    (tmp_path / "city.json").write_text(json.dumps(SCHEMA))
    config = tmp_path / "agent.yaml"
    with ChatCompletionsSimulator(Reply(BAD), Reply(BAD), Reply(GOOD)) as sim:
        backend = f"{{type: chatcompletion, model: sim-model, base_url: {sim.base_url}}}"
        config.write_text(f"agent:\n  backend: {backend}\n  output_schema: city.json\n"
                          "  output_retries: 2\n")
        assert load_config(config).agent().output_retries == 2
        done = agentplug("run", "-c", str(config), "Describe Lyon.", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == json.loads(GOOD) and len(sim.requests) == 3
        sim.script(Reply(BAD))
        config.write_text(f"agent:\n  backend: {backend}\n  output_schema: city.json\n"
                          "  output_retries: 0\n")
        done = agentplug("run", "-c", str(config), "Describe Lyon.", cwd=tmp_path)
        assert done.returncode == 1 and "did not match" in done.stderr
        assert len(sim.requests) == 4  # no retry
    config.write_text(f"agent:\n  backend: {OFFLINE}\n  output_retries: true\n")
    with pytest.raises(ConfigError, match="output_retries"):
        load_config(config)
