"""A canary key through every way a key arrives (environment, ``.env``, ``${VAR}``,
``api_key:``) and every command and error path (a 401 whose body quotes the key, a refused
connection, a bad config): no piece of it in stdout, stderr, log lines, events, exception
text or reprs. The same for MCP servers' ``env`` and ``headers`` values."""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

from agentplug import ConfigError, ErrorEvent, create_agent, parse_config
from agentplug.core.events import event_to_json
from agentplug.core.redact import PIECE
from agentplug.testing import ChatCompletionsSimulator, Fault, Reply

CANARY = "sk-canary-" + secrets.token_hex(20)
TOKEN = "ghp_canary" + secrets.token_hex(16)  # an MCP server's credential
HOSTILE_MCP = Path(__file__).parents[1] / "fuzz" / "servers" / "hostile_mcp_server.py"


def leaks(text: str, secret: str = CANARY) -> list[str]:
    """Every PIECE-long run of the secret's characters found in text (its common prefix
    ``sk-canar`` aside, which names no key)."""
    body = secret[len("sk-canary-"):] if secret == CANARY else secret[len("ghp_canary"):]
    return sorted({body[i:i + PIECE] for i in range(len(body) - PIECE + 1)
                   if body[i:i + PIECE] in text})


def assert_clean(*texts: str) -> None:
    for text in texts:
        assert not leaks(text), f"key pieces {leaks(text)} in:\n{text[-3000:]}"
        assert not leaks(text, TOKEN), f"token pieces {leaks(text, TOKEN)} in:\n{text[-3000:]}"


def echo_401(request: Any) -> Fault:
    """A 401 that quotes the key back, whole and in part, as providers and proxies do."""
    auth = request.header("authorization") or request.header("api-key") or ""
    key = auth.removeprefix("Bearer ")
    return Fault.http(401, message=f"Incorrect API key provided: {key[:14]}***{key[-12:]}. "
                                   f"(sent: {key})")


@pytest.fixture
def sim():
    with ChatCompletionsSimulator(default=echo_401) as simulator:
        yield simulator


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(args: list[str], cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 90) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.endswith(("_API_KEY", "_BASE_URL")) and k != "GOOGLE_API_KEY"}
    # The SDKs' own debug logs go to stderr too: they must not carry the key either.
    base.update({"OPENAI_LOG": "debug", "ANTHROPIC_LOG": "debug", "PYTHONWARNINGS": "ignore"})
    proc = subprocess.run([sys.executable, "-m", "agentplug.cli", *args], cwd=cwd,
                          env={**base, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    assert_clean(proc.stdout, proc.stderr)
    return proc


def config(tmp_path: Path, base_url: str, api_key: str, extra: str = "") -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(f"agent:\n  id: canary\n  backend:\n    type: chatcompletion\n"
                    f"    model: sim-model\n    base_url: {base_url}\n    max_retries: 0\n"
                    f"    api_key: {api_key}\n{extra}")
    return path


@pytest.mark.parametrize("route", ["env_var", "dotenv", "literal"])
@pytest.mark.parametrize("json_out", [False, True], ids=["run", "run --json"])
def test_run_with_a_401_that_echoes_the_key(tmp_path: Path, sim: Any, route: str,
                                            json_out: bool) -> None:
    env: dict[str, str] = {}
    if route == "env_var":
        env["AP_CANARY_KEY"] = CANARY
        key = "${AP_CANARY_KEY}"
    elif route == "dotenv":
        (tmp_path / ".env").write_text(f"AP_CANARY_KEY={CANARY}\n")
        key = "${AP_CANARY_KEY}"
    else:
        key = CANARY
    path = config(tmp_path, sim.base_url, key)
    proc = cli(["run", "-c", str(path), *(["--json"] if json_out else []), "hello"],
               tmp_path, env)
    assert proc.returncode == 1
    assert "401" in proc.stdout + proc.stderr
    assert sim.requests and CANARY in sim.requests[-1].header("authorization")  # it was sent
    if json_out:
        error = json.loads(proc.stdout.strip().splitlines()[-1])
        assert error["type"] == "error" and error["status"] == 401


def test_run_without_config_key_from_environment_and_dotenv(tmp_path: Path, sim: Any) -> None:
    proc = cli(["run", "-b", "chatcompletion", "-m", "sim-model", "--base-url", sim.base_url,
                "hi"], tmp_path, {"OPENAI_API_KEY": CANARY})
    assert proc.returncode == 1
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={CANARY}\n")
    proc = cli(["run", "-b", "openai", "-m", "gpt-5", "--base-url", sim.base_url, "--json",
                "hi"], tmp_path)
    assert proc.returncode == 1


def test_connection_refused_and_success_paths(tmp_path: Path) -> None:
    path = config(tmp_path, f"http://127.0.0.1:{closed_port()}/v1", CANARY)
    proc = cli(["run", "-c", str(path), "hi"], tmp_path)
    assert proc.returncode == 1 and "could not connect" in proc.stderr
    with ChatCompletionsSimulator(default=Reply("hello")) as ok:
        path = config(tmp_path, ok.base_url, CANARY)
        for extra in ([], ["--json"]):
            proc = cli(["run", "-c", str(path), *extra, "hi"], tmp_path)
            assert proc.returncode == 0 and "hello" in proc.stdout


def test_check_valid_and_bad_configs(tmp_path: Path) -> None:
    path = config(tmp_path, "http://127.0.0.1:9/v1", CANARY)
    assert cli(["check", str(path)], tmp_path).returncode == 0
    bad = config(tmp_path, "http://127.0.0.1:9/v1", CANARY,
                 f"    temperature: {CANARY}\n    tempreature: 1\n  max_tool_rounds: {CANARY}\n")
    proc = cli(["check", str(bad)], tmp_path)
    assert proc.returncode == 1 and "agent.backend.temperature" in proc.stderr
    # A YAML error on the key's own line: PyYAML would quote the line.
    broken = tmp_path / "broken.yaml"
    broken.write_text(f"agent:\n  backend: {{type: chatcompletion, api_key: {CANARY}: [\n")
    proc = cli(["check", str(broken)], tmp_path)
    assert proc.returncode == 1 and "invalid YAML" in proc.stderr


def test_backends_and_models_with_keys_set(tmp_path: Path) -> None:
    env = {"OPENAI_API_KEY": CANARY, "ANTHROPIC_API_KEY": CANARY, "GEMINI_API_KEY": CANARY}
    for args in (["backends"], ["backends", "--json"], ["models"], ["models", "--json"]):
        assert cli(args, tmp_path, env).returncode == 0


def test_mcp_list_with_secret_env_and_headers(tmp_path: Path) -> None:
    path = config(tmp_path, "http://127.0.0.1:9/v1", CANARY, (
        "    mcp_servers:\n"
        f"      - {{name: tokens, command: {sys.executable}, args: [{HOSTILE_MCP}],\n"
        f"         env: {{GITHUB_TOKEN: {TOKEN}}}}}\n"
        f"      - {{name: web, type: streamable-http, url: 'http://127.0.0.1:{closed_port()}/mcp',\n"
        f"         headers: {{Authorization: 'Bearer {TOKEN}'}}}}\n"))
    for args in (["mcp", "list", "-c", str(path)], ["mcp", "list", "-c", str(path), "--json"]):
        proc = cli(args, tmp_path)
        assert "tokens" in proc.stdout + proc.stderr


def test_team_with_a_401(tmp_path: Path, sim: Any) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(
        "agents:\n"
        f"  - {{id: a, backend: {{type: chatcompletion, model: m, base_url: {sim.base_url},"
        f" api_key: {CANARY}, max_retries: 0}}}}\n"
        f"  - {{id: b, backend: {{type: chatcompletion, model: m, base_url: {sim.base_url},"
        " api_key: ${AP_CANARY_KEY}, max_retries: 0}}\n"
        "team: {agents: [a, b], pattern: round_robin, max_rounds: 2}\n")
    for extra in ([], ["--json"]):
        proc = cli(["team", "-c", str(path), *extra, "task"], tmp_path,
                   {"AP_CANARY_KEY": CANARY})
        assert proc.returncode != 0 or "401" in proc.stdout + proc.stderr


async def test_in_process_events_exceptions_reprs_and_logs(sim: Any,
                                                           caplog: pytest.LogCaptureFixture
                                                           ) -> None:
    os.environ["AP_CANARY_KEY"] = CANARY
    try:
        cfg = parse_config(f"agent:\n  backend: {{type: chatcompletion, model: m, "
                           f"base_url: {sim.base_url}, api_key: '${{AP_CANARY_KEY}}', "
                           "max_retries: 0}\n")
    finally:
        del os.environ["AP_CANARY_KEY"]
    caplog.set_level(logging.DEBUG)
    agent = create_agent(cfg.agent())
    async with agent:
        events = [e async for e in agent.stream("hi")]
    error = events[-1]
    assert isinstance(error, ErrorEvent) and error.status == 401
    exc = agent.last_error
    assert exc is not None
    assert_clean(
        *(json.dumps(e.__dict__ if hasattr(e, "__dict__") else repr(e), default=repr)
          for e in events),
        repr(events), str(exc), repr(exc), repr(getattr(exc, "body", None)),
        repr(cfg), repr(cfg.agent()),
        repr(agent.backend.params) if hasattr(agent.backend, "params") else "",
        "\n".join(r.getMessage() for r in caplog.records),
    )


async def test_tracebacks_of_a_401_hold_no_key(sim: Any) -> None:
    agent = create_agent({"type": "chatcompletion", "model": "m", "base_url": sim.base_url,
                          "api_key": CANARY, "max_retries": 0})
    async with agent:
        events = [e async for e in agent.stream("hi")]
    assert isinstance(events[-1], ErrorEvent)
    exc = agent.last_error
    assert exc is not None
    assert_clean("".join(traceback.format_exception(exc)))


def test_mcp_server_secrets_hidden_in_reprs() -> None:
    cfg = parse_config(
        "agent:\n  backend:\n    type: chatcompletion\n    model: m\n"
        "    base_url: http://127.0.0.1:9/v1\n    mcp_servers:\n"
        f"      - {{name: s, command: x, env: {{GITHUB_TOKEN: {TOKEN}, PLAIN: visible}}}}\n"
        f"      - {{name: h, type: streamable-http, url: 'http://x/mcp', "
        f"headers: {{Authorization: 'Bearer {TOKEN}'}}}}\n")
    params = cfg.agent().backend
    assert_clean(repr(params), str(params), repr(params.mcp_servers))
    # The values themselves are intact for the code that starts the servers.
    assert dict(params.mcp_servers[0].env)["GITHUB_TOKEN"] == TOKEN
    assert params.mcp_servers[1].headers["Authorization"] == f"Bearer {TOKEN}"


def test_an_unset_variables_placeholder_is_not_taken_for_a_secret(monkeypatch) -> None:
    """`api_key: ${UNSET_VAR}` must not register the placeholder: its name would then be
    masked wherever it appears, e.g. in the missing-key hint that names it."""
    from agentplug.core.redact import redact

    monkeypatch.delenv("AGENTPLUG_TEST_UNSET_API_KEY", raising=False)
    with pytest.raises(ConfigError):
        parse_config("agent:\n  backend: {type: openai, model: m, "
                     "api_key: '${AGENTPLUG_TEST_UNSET_API_KEY}'}\n")
    assert redact("set AGENTPLUG_TEST_UNSET_API_KEY") == "set AGENTPLUG_TEST_UNSET_API_KEY"


# AG2: its own client's `llm_config` (config_list), MassGen's flat form (mapped onto an
# agentplug backend) and a group chat's; the key is handed over in the clear only when AG2 or
# the agentplug backend is built.
AG2_FORMS = {
    "config_list": "llm_config: {{config_list: [{{model: sim-model, api_key: {key}, "
                   "base_url: '{url}'}}]}}",
    "flat": "llm_config: {{api_type: chatcompletion, model: sim-model, api_key: {key}, "
            "base_url: '{url}', max_retries: 0}}",
    "group": "group_config:\n      llm_config: {{api_type: chatcompletion, model: sim-model, "
             "api_key: {key}, base_url: '{url}', max_retries: 0}}\n"
             "      agents: [{{name: Coder}}]\n      pattern: {{type: round_robin}}\n"
             "      max_rounds: 2",
}


def ag2_config(form: str, url: str, key: str = CANARY) -> str:
    return ("agent:\n  id: canary\n  backend:\n    type: ag2\n    "
            + AG2_FORMS[form].format(key=key, url=url) + "\n")


@pytest.mark.parametrize("form", AG2_FORMS)
def test_ag2_keys_hidden_in_reprs_and_dumps(form: str) -> None:
    from agentplug.core.params import reveal_secrets

    cfg = parse_config(ag2_config(form, "http://127.0.0.1:9/v1"))
    params = cfg.agent().backend
    assert_clean(repr(cfg), repr(params), str(params), params.model_dump_json(),
                 json.dumps(params.model_dump(), default=str))
    # Intact for the moment it is handed on.
    assert CANARY in json.dumps(reveal_secrets(params.model_dump()), default=str)


def test_ag2_config_errors_hold_no_key(tmp_path: Path) -> None:
    bad = {  # a misspelt key beside the key; both llm and llm_config given
        "misspelt": ag2_config("flat", "http://127.0.0.1:9/v1").replace(
            "max_retries: 0", f"tempreature: {CANARY}"),
        "both": ag2_config("config_list", "http://127.0.0.1:9/v1")
        + f"    llm: {{type: chatcompletion, model: m, api_key: {CANARY}}}\n",
    }
    for name, text in bad.items():
        with pytest.raises(ConfigError) as info:
            parse_config(text)
        assert_clean(str(info.value), repr(info.value))
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        proc = cli(["check", str(path)], tmp_path)
        assert proc.returncode == 1 and "agent.backend" in proc.stderr
    good = tmp_path / "good.yaml"
    good.write_text(ag2_config("config_list", "http://127.0.0.1:9/v1"))
    assert cli(["check", str(good)], tmp_path).returncode == 0


@pytest.mark.timeout(300)  # AG2 imports every installed cloud SDK: slow on a loaded machine
@pytest.mark.parametrize("form", AG2_FORMS)
async def test_ag2_401_events_and_exceptions_hold_no_key(sim: Any, form: str,
                                                         caplog: pytest.LogCaptureFixture
                                                         ) -> None:
    caplog.set_level(logging.DEBUG)
    agent = create_agent(parse_config(ag2_config(form, sim.base_url)).agent())
    async with agent:
        events = [e async for e in agent.stream("hi")]
    assert sim.requests and CANARY in sim.requests[-1].header("authorization")  # it was sent
    error = events[-1]
    assert isinstance(error, ErrorEvent) and "401" in error.message + str(error.status)
    exc = agent.last_error
    assert exc is not None
    assert_clean(*(event_to_json(e) for e in events), repr(events),
                 str(exc), repr(exc), "".join(traceback.format_exception(exc)),
                 repr(agent.backend.params),
                 "\n".join(r.getMessage() for r in caplog.records))


@pytest.mark.timeout(300)
def test_ag2_run_json_with_a_401(tmp_path: Path, sim: Any) -> None:
    path = tmp_path / "ag2.yaml"
    path.write_text(ag2_config("config_list", sim.base_url))
    proc = cli(["run", "-c", str(path), "--json", "hi"], tmp_path, timeout=280)
    assert proc.returncode == 1
    assert CANARY in sim.requests[-1].header("authorization")
    error = json.loads(proc.stdout.strip().splitlines()[-1])
    assert error["type"] == "error" and "401" in json.dumps(error)
