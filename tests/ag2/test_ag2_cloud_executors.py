"""AG2's cloud code executors under ``type: ag2``: a classic AssistantAgent whose replies a
simulated model writes, its code run by AG2's real Daytona / YepCode executor through the
vendor's real SDK, against a simulator of that service on 127.0.0.1 (which runs the code it
is sent and records it)."""

from __future__ import annotations

import pytest

pytest.importorskip("autogen")

from agentplug import BuiltinToolEvent, MissingKeyError, create_agent  # noqa: E402
from agentplug.testing import Reply  # noqa: E402

from ag2_support import llm  # noqa: E402


def code(body: str, lang: str = "python") -> str:
    return f"Let me run it:\n```{lang}\n{body}\n```\n"


def coder(sim, tmp_path, executor: dict) -> dict:
    return {"type": "ag2", "agent_config": {"type": "assistant", "name": "coder"},
            "code_execution_config": {"executor": executor}, "llm": llm(sim),
            "cwd": str(tmp_path)}


async def test_daytona_executor_runs_the_code_in_a_sandbox_it_deletes(sims, tmp_path):
    pytest.importorskip("daytona")
    from agentplug.testing.daytona import DaytonaSimulator

    model = sims(Reply(code("print(6 * 7)") + code("echo shell-ok", "bash")),
                 Reply("It is 42. TERMINATE"))
    with DaytonaSimulator() as cloud:
        agent = create_agent(coder(model, tmp_path, {
            "type": "DaytonaCodeExecutor",  # MassGen's spelling: AG2's class name
            "api_key": cloud.api_key, "api_url": cloud.api_url, "timeout": 30,
            "env_vars": {"STAGE": "test"}}))
        async with agent:
            events = [e async for e in agent.stream("What is 6*7?")]
            (box,) = cloud.sandboxes.values()
            assert not box.deleted  # alive for the agent's whole life
        assert box.deleted  # closing the agent deleted it
    assert [(lang, src) for _, lang, src in cloud.runs] == [("python", "print(6 * 7)"),
                                                            ("bash", "echo shell-ok")]
    assert box.request["env"] == {"STAGE": "test"} and box.request["autoStopInterval"] == 0
    done = [e for e in events if isinstance(e, BuiltinToolEvent) and e.status != "started"]
    assert done[0].name == "daytona" and done[0].return_code == 0
    assert done[0].stdout.split() == ["42", "shell-ok"]
    # the model saw the sandbox's output as AG2's executor report
    assert "42" in model.requests[1].body["messages"][-1]["content"]
    assert events[-1].text == "It is 42."


async def test_daytona_failure_reaches_the_model_with_its_exit_code(sims, tmp_path):
    pytest.importorskip("daytona")
    from agentplug.testing.daytona import DaytonaSimulator

    model = sims(Reply(code("raise SystemExit(3)")), Reply("It failed. TERMINATE"))
    with DaytonaSimulator() as cloud:
        agent = create_agent(coder(model, tmp_path, {
            "type": "daytona", "api_key": cloud.api_key, "api_url": cloud.api_url}))
        async with agent:
            events = [e async for e in agent.stream("run it")]
    failed = [e for e in events if isinstance(e, BuiltinToolEvent) and e.status == "failed"]
    assert failed[0].return_code == 3
    assert "exitcode: 3" in model.requests[1].body["messages"][-1]["content"]


async def test_yepcode_executor_runs_python_and_returns_main(sims, tmp_path, monkeypatch):
    pytest.importorskip("yepcode_run")
    from agentplug.testing.yepcode import YepCodeSimulator

    program = "print('hello from yepcode')\n\ndef main():\n    return {'answer': 6 * 7}"
    model = sims(Reply(code(program)), Reply("The answer is 42. TERMINATE"))
    with YepCodeSimulator() as cloud:
        # The SDK reads its host from YEPCODE_API_HOST (there is no argument for it).
        monkeypatch.setenv("YEPCODE_API_HOST", cloud.url)
        agent = create_agent(coder(model, tmp_path, {
            "type": "YepCodeCodeExecutor", "api_token": cloud.api_token, "timeout": 30}))
        async with agent:
            events = [e async for e in agent.stream("What is 6*7?")]
    assert cloud.runs == [("python", program)]
    done = next(e for e in events if isinstance(e, BuiltinToolEvent) and e.status != "started")
    assert done.name == "yepcode" and done.return_code == 0
    assert "Execution result:\n{'answer': 42}" in done.stdout
    assert "INFO: hello from yepcode" in done.stdout
    assert events[-1].text == "The answer is 42."


async def test_yepcode_error_is_a_failed_run(sims, tmp_path, monkeypatch):
    pytest.importorskip("yepcode_run")
    from agentplug.testing.yepcode import YepCodeSimulator

    model = sims(Reply(code("raise ValueError('bad input')")), Reply("Noted. TERMINATE"))
    with YepCodeSimulator() as cloud:
        monkeypatch.setenv("YEPCODE_API_HOST", cloud.url)
        agent = create_agent(coder(model, tmp_path, {"type": "yepcode",
                                                      "api_token": cloud.api_token}))
        async with agent:
            events = [e async for e in agent.stream("go")]
    failed = next(e for e in events if isinstance(e, BuiltinToolEvent) and e.status == "failed")
    assert "ValueError: bad input" in failed.stdout and failed.return_code == 1


@pytest.mark.parametrize(("executor", "env_var"), [
    ({"type": "daytona"}, "DAYTONA_API_KEY"),
    ({"type": "yepcode"}, "YEPCODE_API_TOKEN"),
])
async def test_a_missing_token_names_its_environment_variable(sims, tmp_path, monkeypatch,
                                                              executor, env_var):
    for name in ("DAYTONA_API_KEY", "DAYTONA_JWT_TOKEN", "YEPCODE_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    agent = create_agent(coder(sims(), tmp_path, executor))
    with pytest.raises(MissingKeyError, match=env_var):
        await agent.open()
    await agent.close()
