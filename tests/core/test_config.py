"""Config loading: MassGen shape, env expansion, located errors with suggestions."""

from __future__ import annotations

import textwrap
import time

import pytest

from agentplug import ConfigError, parse_config
from agentplug.core.config import MAX_CONFIG_BYTES, MAX_DEPTH, load_config, load_dotenv_once
from agentplug.core.errors import PluginError
from agentplug.core.params import BackendParams
from agentplug.core.registry import BackendSpec, Registry


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
    assert agent.backend.api_key.get_secret_value() == "sk-test"  # never sent literally
    assert "sk-test" not in repr(agent)
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
    issues = issues_of("foo: 1\n")
    assert any("exactly one of `agent:` or `agents:`" in issue for issue in issues)


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


# Hostile input (issue 14): each class of crash a fuzzer found is a located error now.

BACKEND = "  backend: {type: chatcompletion, model: m, base_url: http://x}\n"


def one_issue(text: str):
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="cfg.yaml")
    (issue,) = info.value.issues
    return issue


def test_alias_bomb_is_a_located_error_and_quick():
    # Nine levels of nine aliases: 9**9 values once expanded, from a few hundred bytes.
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]"
                                 for i in range(1, 10)]
    start = time.monotonic()
    issue = one_issue("\n".join(lines) + "\n")
    assert time.monotonic() - start < 2
    assert issue.file == "cfg.yaml" and issue.line is not None and issue.line <= 10
    assert "aliases here expand to more than" in issue.message


def test_alias_reuse_loads():
    text = "agents:\n  - id: a\n    backend: &b {type: chatcompletion, model: m, " \
           "base_url: http://x}\n  - id: b\n    backend: *b\n"
    assert [a.id for a in parse_config(text).agents] == ["a", "b"]


@pytest.mark.parametrize("text", [
    "agent: " + "[" * 5000 + "]" * 5000,
    "agent: " + "{a: " * 3000 + "1" + "}" * 3000,
    "agent:\n" + "".join("  " * i + "k:\n" for i in range(1, 400)),
])
def test_deep_nesting_is_a_located_error(text):
    issue = one_issue(text)  # ours at MAX_DEPTH, or libyaml's own limit when it scans ahead
    assert f"nested deeper than {MAX_DEPTH} levels" in issue.message \
        or "exceeded maximum nesting depth" in issue.message
    assert issue.line is not None


def test_bad_tag_value_is_a_located_error():
    issue = one_issue("agent:\n  max_tool_rounds: !!float nope\n" + BACKEND)
    assert (issue.line, issue.file) == (2, "cfg.yaml")
    assert "cannot read !!float value" in issue.message


@pytest.mark.parametrize("value", ["'*'", "[]", "{a: 1}", "-1", "1e9", "true"])
def test_max_tool_rounds_is_validated(value):
    issue = one_issue(f"agent:\n  max_tool_rounds: {value}\n" + BACKEND)
    assert (issue.line, issue.key_path) == (2, "agent.max_tool_rounds")


@pytest.mark.parametrize("field,value", [("id", "[a]"), ("system_message", "{a: 1}")])
def test_agent_fields_are_validated(field, value):
    issue = one_issue(f"agent:\n  {field}: {value}\n" + BACKEND)
    assert (issue.line, issue.key_path) == (2, f"agent.{field}")


def test_ag2_executor_type_as_a_list_is_a_located_error():
    # Found by the fuzzer in agentplug/plugins/ag2.py: set(executor) on a list type.
    issue = one_issue("agent:\n  backend:\n    type: ag2\n    code_execution_config:\n"
                      "      executor: {type: [local, docker]}\n")
    assert issue.key_path.startswith("agent.backend") and issue.line is not None
    assert "TypeError" not in issue.message, "the ag2 params model should reject it itself"


class _Fragile(BackendParams):
    @classmethod
    def model_validate(cls, obj, **kwargs):  # a plugin validator with a bug
        raise TypeError("unhashable type: 'list'")


def test_a_plugin_validator_that_raises_is_still_located():
    registry: Registry = Registry()
    registry.register(BackendSpec("fragile", "Fragile", "x:y", params=_Fragile))
    with pytest.raises(ConfigError) as info:
        parse_config("agent:\n  backend: {type: fragile}\n", registry, source="cfg.yaml")
    (issue,) = info.value.issues
    assert (issue.key_path, issue.line) == ("agent.backend", 2)
    assert "TypeError: unhashable type" in issue.message and "bug in the plugin" in issue.hint


def test_oversized_text_and_file_are_refused(tmp_path):
    big = "agent:\n" + BACKEND + "# " + "x" * MAX_CONFIG_BYTES + "\n"
    assert "the limit is" in one_issue(big).message
    path = tmp_path / "big.yaml"
    path.write_text(big)
    with pytest.raises(ConfigError, match="the limit is"):
        load_config(path)


def test_file_that_is_not_utf8_is_located(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"agent:\n  system_message: caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (issue,) = info.value.issues
    assert issue.line == 2 and "not UTF-8" in issue.message


def test_control_character_is_located():
    issue = one_issue("agent:\n" + BACKEND + "  system_message: a\x07b\n")
    assert issue.line == 3 and "U+0007" in issue.message


def test_yaml_errors_do_not_quote_the_source_line(monkeypatch):
    # PyYAML's own message repeats the offending line, which may carry a key.
    issue = one_issue("agent:\n  backend: {type: x, api_key: sk-live-abcdef0123456789: [\n")
    assert "sk-live" not in str(issue)
    assert issue.line is not None


def test_unclosed_variable_defaults_are_linear():
    text = "agent:\n" + BACKEND + "  system_message: '" + "${A:-" * 100_000 + "'\n"
    start = time.monotonic()
    config = parse_config(text)
    assert time.monotonic() - start < 5
    assert config.agent().system_message.startswith("${A:-")


def test_agentplug_check_of_an_alias_bomb_exits_1_quickly(tmp_path, capsys):
    from agentplug.cli import main

    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]"
                                 for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    start = time.monotonic()
    assert main(["check", str(path)]) == 1
    assert time.monotonic() - start < 5
    assert "aliases here expand to more than" in capsys.readouterr().err


def test_a_params_path_that_is_no_params_model_is_located():
    registry: Registry = Registry()
    registry.register(BackendSpec("odd", "Odd", "x:y", params="json:JSONDecoder"))
    with pytest.raises(ConfigError) as info:
        parse_config("agent:\n  backend: {type: odd}\n", registry, source="cfg.yaml")
    (issue,) = info.value.issues
    assert (issue.key_path, issue.line) == ("agent.backend", 2)
    assert "'json:JSONDecoder' is not a subclass of agentplug.BackendParams" in issue.message


def test_a_params_path_must_name_module_and_class():
    with pytest.raises(PluginError, match="package.module:Class"):
        Registry().register(BackendSpec("odd", "Odd", "x:y", params="json.JSONDecoder"))
