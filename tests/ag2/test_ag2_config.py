"""Configs for `type: ag2` and `team:`: every mistake reported with its file, line and key."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap

import pytest

from agentplug import ConfigError, load_config, parse_config
from agentplug.adapters.ag2.team_config import parse_team
from agentplug.core.params import reveal_secrets
from agentplug.plugins.ag2.executor_params import EXECUTORS
from agentplug.plugins.ag2.executor_params import JupyterServer

LLM = "{type: chatcompletion, model: m, base_url: 'http://127.0.0.1:9/v1'}"


def ag2_config(body: str) -> str:
    return textwrap.dedent("""\
        agent:
          backend:
            type: ag2
        """) + textwrap.indent(textwrap.dedent(body), "    ")


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="cfg.yaml")
    return [str(i) for i in info.value.issues]


def test_a_full_ag2_config_parses():
    config = parse_config(ag2_config(f"""\
        agent_config: {{type: assistant, name: coder, system_message: hi,
                        description: codes, human_input_mode: NEVER,
                        max_consecutive_auto_reply: 4}}
        code_execution_config: {{executor: {{type: docker, image: local/python:bookworm,
                                              timeout: 30}}}}
        llm: {LLM}
        max_rounds: 5
        """))
    params = config.agents[0].backend
    assert params.agent_config["max_consecutive_auto_reply"] == 4
    assert params.code_execution_config.executor.type == "docker"
    assert params.code_execution_config.executor.image == "local/python:bookworm"


def test_massgen_nesting_and_executor_class_names_are_accepted():
    config = parse_config(ag2_config("""\
        agent_config:
          type: assistant
          name: coder
          llm_config: {config_list: [{model: gpt-4o, api_key: x}]}
          code_execution_config:
            executor: {type: LocalCommandLineCodeExecutor, work_dir: ./workspace}
        """))
    params = config.agents[0].backend
    assert "llm_config" not in params.agent_config
    executor = params.code_execution_config.executor
    assert (executor.type, executor.work_dir) == ("local", "./workspace")


@pytest.mark.parametrize(("body", "message"), [
    ("agent_config: {name: x}\n", "exactly one of `llm:`"),
    (f"llm: {LLM}\nagent_config: {{type: robot}}\n", "agent_config.type 'robot'"),
    (f"llm: {LLM}\ncode_execution_config: {{executor: {{type: cloud}}}}\n",
     "executor.type 'cloud' is not supported"),
    (f"llm: {LLM}\ncode_execution_config: {{executor: {{type: local, image: x}}}}\n",
     "code_execution_config.executor.image: unknown key"),
    (f"llm: {LLM}\ncode_execution_config: {{executor: {{type: [local]}}}}\n",
     "executor.type must be a name such as local, not ['local']"),
    (f"llm: {LLM}\ncode_execution_config: {{executor: {{type: {{a: 1}}}}}}\n",
     "executor.type must be a name"),
    (f"llm: {LLM}\ncode_execution_config: {{executor: [local]}}\n", "needs a mapping"),
    (f"llm: {LLM}\ncode_execution_config: {{executor: {{type: docker, timeout: soon}}}}\n",
     "code_execution_config.executor.timeout: Input should be a valid integer"),
    (f"llm: {LLM}\ncode_execution_config: {{executor: {{type: jupyter, server: {{port: x}}}}}}\n",
     "code_execution_config.executor.server.port"),
    (f"llm: {LLM}\ncode_execution_config: {{executor: {{type: daytona, snapshot: s, "
     f"image: i}}}}\n", "not both"),
    (f"llm: {LLM}\ncode_execution_config: {{executor: {{type: remyx}}}}\n",
     "needs `arxiv_id`"),
    (f"llm: {LLM}\ncode_execution_config: {{executor: {{type: yepcode, api_token: [1]}}}}\n",
     "code_execution_config.executor.api_token"),
    (f"llm: {LLM}\ncode_execution_config: {{use_docker: true}}\n",
     "belong in executor:"),
    ("llm: {type: nope}\n", "unknown backend type 'nope'"),
    ("llm: {type: chatcompletion, model: m}\n", "needs `base_url` or `provider`"),
    (f"llm: {LLM}\nenable_code_execution: true\n", "Uses AG2 code execution config"),
])
def test_mistakes_are_located(body, message):
    found = issues(ag2_config(body))
    assert any(message in i for i in found), found
    assert all(i.startswith("cfg.yaml:") for i in found)


@pytest.mark.timeout(300)  # the first `import autogen` also imports every cloud SDK installed
def test_executor_keys_match_the_installed_ag2():
    pytest.importorskip("autogen")
    pytest.importorskip("daytona")
    pytest.importorskip("yepcode_run")
    pytest.importorskip("remyxai")
    from autogen.coding import (
        DaytonaCodeExecutor, DockerCommandLineCodeExecutor, LocalCommandLineCodeExecutor,
        RemyxCodeExecutor, YepCodeCodeExecutor,
    )
    from autogen.coding.jupyter import JupyterCodeExecutor, LocalJupyterServer

    def params(cls):
        return set(inspect.signature(cls.__init__).parameters) - {"self"}

    def ours(kind):
        return set(EXECUTORS[kind].model_fields) - {"type"}
    docker_keys = {"container_name", "bind_dir", "execution_policies",
                   "container_create_kwargs"}  # remyx passes them on to AG2's Docker executor
    own = {"local": {"python"}, "jupyter": {"work_dir", "server"}, "docker": {"network_mode"},
           "remyx": {"network_mode"} | docker_keys, "daytona": set(), "yepcode": set()}
    not_yaml = {"local": {"functions", "virtual_env_context"}, "jupyter": {"jupyter_server"},
                "docker": set(), "remyx": {"kwargs"}, "daytona": set(), "yepcode": set()}
    classes = {"local": LocalCommandLineCodeExecutor, "jupyter": JupyterCodeExecutor,
               "docker": DockerCommandLineCodeExecutor, "remyx": RemyxCodeExecutor,
               "daytona": DaytonaCodeExecutor, "yepcode": YepCodeCodeExecutor}
    assert set(classes) == set(EXECUTORS)
    for kind, cls in classes.items():
        assert ours(kind) - own[kind] == params(cls) - not_yaml[kind], kind
    assert docker_keys <= params(DockerCommandLineCodeExecutor)
    assert params(LocalJupyterServer) - {"ip"} == set(JupyterServer.model_fields)


@pytest.mark.parametrize("alias", ["LocalCommandLineCodeExecutor", "DockerCommandLineCodeExecutor",
                                   "JupyterCodeExecutor", "DaytonaCodeExecutor",
                                   "YepCodeCodeExecutor", "commandline-local"])
def test_massgen_executor_spellings_are_aliases(alias):
    extra = ", arxiv_id: 2010.11929" if alias.startswith("Remyx") else ""
    config = parse_config(ag2_config(f"""\
        llm: {LLM}
        code_execution_config: {{executor: {{type: {alias}{extra}}}}}
        """))
    assert config.agents[0].backend.code_execution_config.executor.type in EXECUTORS


def test_a_cloud_token_is_a_secret():
    config = parse_config(ag2_config(f"""\
        llm: {LLM}
        code_execution_config: {{executor: {{type: daytona, api_key: dtn-very-secret-1234,
                                              api_url: "http://127.0.0.1:9/api"}}}}
        """))
    params = config.agents[0].backend
    assert "dtn-very-secret-1234" not in repr(params)
    assert params.code_execution_config.executor.api_key.get_secret_value() == (
        "dtn-very-secret-1234")


def test_listing_backends_does_not_import_autogen():
    code = ("import sys; from agentplug.core.host import default_host; "
            "s = default_host().backend('ag2'); assert s.flag('enable_code_execution').support "
            "== 'n/a'; print('autogen' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


TEAM = f"""\
agents:
  - id: writer
    backend: {LLM}
  - id: critic
    backend: {LLM}
"""


def test_team_section_parses(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text(TEAM + "team: {agents: [critic, writer], pattern: auto, max_rounds: 4,\n"
                           "       initial_agent: writer, selector: critic}\n")
    spec = parse_team(load_config(path))
    assert (spec.agents, spec.pattern, spec.max_rounds, spec.initial_agent, spec.selector) == (
        ("critic", "writer"), "auto", 4, "writer", "critic")


def test_team_defaults_to_every_agent_in_round_robin(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text(TEAM + "team: {}\n")
    spec = parse_team(load_config(path))
    assert (spec.agents, spec.pattern, spec.max_rounds) == (("writer", "critic"), "round_robin",
                                                            10)


def test_team_mistakes_are_located(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text(TEAM + textwrap.dedent("""\
        team:
          agents: [writer, critc]
          pattern: debate
          max_rounds: 0
          initial_agent: nobody
          speakers: 3
        """))
    with pytest.raises(ConfigError) as info:
        parse_team(load_config(path))
    text = str(info.value)
    where = str(path)
    assert f"{where}:7: team.agents[1]: no agent with id 'critc'" in text
    assert "did you mean 'critic'?" in text
    assert f"{where}:8: team.pattern: unknown pattern 'debate'" in text
    assert f"{where}:9: team.max_rounds: must be a whole number >= 1" in text
    assert f"{where}:10: team.initial_agent: no team member with id 'nobody'" in text
    assert f"{where}:11: team.speakers: unknown key" in text


def test_a_config_without_team_says_how_to_add_one(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text(TEAM)
    with pytest.raises(ConfigError, match="no `team:` section"):
        parse_team(load_config(path))


CC = "{type: chatcompletion, model: m, base_url: 'http://127.0.0.1:9/v1'}"


def group(body: str) -> str:
    return ag2_config("group_config:\n" + textwrap.indent(textwrap.dedent(body), "  "))


def test_a_massgen_group_config_maps_every_llm_config_onto_a_backend():
    config = parse_config(group(f"""\
        llm_config: {{api_type: openai, model: gpt-5, api_key: sk-x}}
        agents:
          - {{type: assistant, name: Coder}}
          - {{name: Reviewer, llm_config: {{api_type: google, model: gemini-2.5-flash}}}}
          - {{name: Fast, llm_config: {{api_type: groq, model: llama-3.3-70b}}}}
          - {{name: Local, llm: {CC}}}
          - name: Tester
            llm_config: {{config_list: [{{api_type: anthropic, model: claude-sonnet-4-6}}]}}
            code_execution_config: {{executor: {{type: LocalCommandLineCodeExecutor}}}}
        pattern:
          type: round_robin
          initial_agent: Tester
        max_rounds: 6
        """))
    g = config.agents[0].backend.group_config
    kinds = [(m.name, (b := m.backend(g))["type"], b.get("provider"), b.get("model"))
             for m in g.agents]
    assert kinds == [("Coder", "openai", None, "gpt-5"),
                     ("Reviewer", "gemini", None, "gemini-2.5-flash"),
                     ("Fast", "chatcompletion", "groq", "llama-3.3-70b"),
                     ("Local", "chatcompletion", None, "m"),
                     ("Tester", "claude", None, "claude-sonnet-4-6")]
    assert g.agents[4].code_execution_config.executor.type == "local"
    assert (g.pattern.type, g.pattern.initial_agent, g.max_rounds) == ("round_robin", "Tester", 6)


def test_an_api_type_may_be_a_third_party_backend_type():
    # the registry decides: any declared type is an api_type (here a built-in one)
    config = parse_config(group("""\
        llm_config: {api_type: chatcompletion, model: m, base_url: "http://127.0.0.1:9/v1"}
        agents: [{name: A}]
        pattern: {type: round_robin}
        """))
    g = config.agents[0].backend.group_config
    assert g.agents[0].backend(g)["type"] == "chatcompletion"


@pytest.mark.parametrize(("body", "message"), [
    ("agents: [{name: A}]\npattern: {type: round_robin}\n", "agents[0] (A) has no model"),
    (f"llm: {CC}\nagents: [{{name: A}}, {{name: A}}]\n", "two agents are named 'A'"),
    (f"llm: {CC}\nagents: [{{name: A}}]\npattern: {{initial_agent: B}}\n",
     "pattern.initial_agent 'B' is not one of the agents"),
    (f"llm: {CC}\nagents: [{{name: A}}]\npattern: {{type: debate}}\n",
     "group_config.pattern.type"),
    ("agents: [{name: A, llm_config: {api_type: nosuch, model: x}}]\n",
     "api_type 'nosuch' matches no agentplug backend"),
    ("agents: [{name: A, llm_config: {api_type: [openai], model: x}}]\n",
     "api_type must be a name"),
    ("agents: [{name: A, llm_config: {api_type: google, model: x, cache_seed: 4}}]\n",
     "llm_config.cache_seed"),
    (f"llm: {CC}\nagents: [{{name: 'two words'}}]\n",
     "group_config.agents[0].name: Value error, 'two words' must be a name without spaces"),
    (f"llm: {CC}\nagents: []\n", "group_config.agents"),
    (f"llm: {CC}\nagents: [{{name: A, code_execution_config: {{executor: {{type: [x]}}}}}}]\n",
     "executor.type must be a name"),
    ("agents: [{name: A, llm: {type: claude_code}}]\n", "runs its own agent loop"),
])
def test_group_config_mistakes_are_located(body, message):
    found = issues(group(body))
    assert any(message in i for i in found), found
    assert all(i.startswith("cfg.yaml:") for i in found)


def test_group_config_excludes_the_single_agent_keys():
    found = issues(ag2_config(f"llm: {CC}\ngroup_config: {{llm: {CC}, agents: [{{name: A}}]}}\n"))
    assert any("move llm into its agents" in i for i in found), found


def test_massgen_single_agent_llm_config_is_mapped_onto_a_backend():
    config = parse_config(ag2_config("""\
        agent_config:
          type: assistant
          name: AG2_coder
          llm_config: {api_type: google, model: gemini-2.5-flash}
          code_execution_config:
            executor: {type: LocalCommandLineCodeExecutor, timeout: 60}
        """))
    params = config.agents[0].backend
    assert params.llm_config is None
    assert (params.llm["type"], params.llm["model"]) == ("gemini", "gemini-2.5-flash")


def test_a_config_list_stays_ag2s_own_client():
    config = parse_config(ag2_config("llm_config: {config_list: [{model: gpt-4o, api_key: x}]}\n"))
    params = config.agents[0].backend
    assert params.llm is None
    # The key is hidden until it is handed to AG2 (tests/secrets covers the ag2 path).
    assert reveal_secrets(params.llm_config) == {"config_list": [{"model": "gpt-4o",
                                                                  "api_key": "x"}]}


@pytest.mark.parametrize(("config", "needed_by"), [
    ("agent:\n  backend: {type: ag2_agent, name: A, llm: {type: claude_code}}\n", "an ag2 agent"),
    (group("agents: [{name: A, llm: {type: claude_code}}]\n"), "a group member"),
])
def test_an_agent_loop_backend_is_no_model(config, needed_by):
    (issue,) = issues(config)
    assert "the 'claude_code' backend runs its own agent loop" in issue
    assert f"{needed_by} needs a model backend" in issue
    assert issue.startswith("cfg.yaml:")
