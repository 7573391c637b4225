"""Config loading: MassGen shape, env expansion, located errors with suggestions."""

from __future__ import annotations

import textwrap

import pytest

from agentplug import ConfigError, parse_config
from agentplug.core.config import load_config, load_dotenv_once


def parse(text: str):
    return parse_config(textwrap.dedent(text), source="cfg.yaml")


def issues_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse(text)
    return [str(i) for i in info.value.issues]


def test_single_agent_massgen_shape():
    config = parse("""
        agent:
          id: helper
          system_message: Be brief.
          backend:
            type: chatcompletion
            model: gpt-oss-120b
            base_url: https://api.cerebras.ai/v1
            temperature: 0.7
            max_tokens: 2000
        """)
    agent = config.agent()
    assert agent.id == "helper"
    assert agent.system_message == "Be brief."
    assert agent.spec.type == "chatcompletion"
    assert agent.backend.temperature == 0.7
    assert agent.backend.max_tokens == 2000


def test_agents_list_and_lookup_by_id():
    config = parse("""
        agents:
          - id: a
            backend: {type: chatcompletion, model: m, provider: groq}
          - id: b
            backend: {type: chatcompletion, model: m, provider: kimi}
        """)
    assert [a.id for a in config.agents] == ["a", "b"]
    assert config.agent("b").backend.provider == "moonshot"  # alias resolved
    with pytest.raises(ConfigError, match="no agent with id 'c'"):
        config.agent("c")


def test_env_expansion_with_default_and_set(monkeypatch):
    monkeypatch.setenv("CEREBRAS_API_KEY", "sk-test")
    monkeypatch.delenv("AP_MODEL", raising=False)
    agent = parse("""
        agent:
          backend:
            type: chatcompletion
            model: ${AP_MODEL:-gpt-oss-120b}
            base_url: https://api.cerebras.ai/v1
            api_key: ${CEREBRAS_API_KEY}
        """).agent()
    assert agent.backend.api_key == "sk-test"  # never sent literally, unlike MassGen
    assert agent.backend.model == "gpt-oss-120b"


def test_unset_variable_is_located(monkeypatch):
    monkeypatch.delenv("NOPE_KEY", raising=False)
    (issue,) = issues_of("""
        agent:
          backend:
            type: chatcompletion
            model: m
            base_url: http://x
            api_key: ${NOPE_KEY}
        """)
    assert issue.startswith("cfg.yaml:7: agent.backend.api_key: environment variable NOPE_KEY")
    assert "export NOPE_KEY" in issue


def test_unknown_key_did_you_mean_with_line():
    (issue,) = issues_of("""
        agents:
          - id: a
            backend: {type: chatcompletion, model: m, base_url: http://x}
          - id: b
            backend:
              type: chatcompletion
              model: m
              base_url: http://x
              temprature: 0.2
        """)
    assert issue.startswith("cfg.yaml:10: agents[1].backend.temprature: unknown key")
    assert "did you mean 'temperature'?" in issue


def test_unknown_backend_suggests():
    (issue,) = issues_of("""
        agent:
          backend: {type: chatcompletions, model: m}
        """)
    assert "cfg.yaml:3: agent.backend.type" in issue
    assert "Did you mean 'chatcompletion'?" in issue


def test_flag_without_provider_support_is_rejected():
    (issue,) = issues_of("""
        agent:
          backend:
            type: chatcompletion
            model: m
            provider: cerebras
            enable_web_search: true
        """)
    assert "agent.backend" in issue
    assert "Cerebras AI offers no such built-in tool" in issue


def test_all_issues_reported_at_once():
    issues = issues_of("""
        agents:
          - backend: {type: chatcompletion, model: m, base_url: http://x, max_tokens: -1}
          - backend: {type: nope}
          - colour: blue
            backend: {type: chatcompletion, model: m, base_url: http://x}
        """)
    text = "\n".join(issues)
    assert "agents[0].backend.max_tokens" in text
    assert "agents[1].backend.type" in text
    assert "agents[2].colour: unknown key" in text
    assert len(issues) == 3


def test_exactly_one_of_agent_or_agents():
    (issue,) = issues_of("foo: 1\n")[1:]
    assert "exactly one of `agent:` or `agents:`" in issue


def test_invalid_yaml_is_located():
    (issue,) = issues_of("agent: [unclosed\n")
    assert issue.startswith("cfg.yaml:")
    assert "invalid YAML" in issue


def test_massgen_ui_and_orchestrator_keys_are_accepted():
    config = parse("""
        agent:
          backend: {type: chatcompletion, model: m, base_url: http://x}
        ui: {display_type: rich_terminal, logging_enabled: true}
        """)
    assert config.agent().id == "agent"


def test_dotenv_loaded_without_overriding(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("AP_FROM_DOTENV=from-file\nAP_ALREADY=from-file\n")
    monkeypatch.setenv("AP_ALREADY", "from-env")
    monkeypatch.delenv("AP_FROM_DOTENV", raising=False)
    load_dotenv_once(tmp_path)
    import os

    assert os.environ["AP_FROM_DOTENV"] == "from-file"
    assert os.environ["AP_ALREADY"] == "from-env"
    monkeypatch.delenv("AP_FROM_DOTENV")


def test_missing_file():
    with pytest.raises(ConfigError, match="config file not found"):
        load_config("/nonexistent/agentplug.yaml")
