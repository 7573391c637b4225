"""``agentplug chat``: a real pseudo-terminal session (pexpect) and a scripted one (a pipe)."""

from __future__ import annotations

import io
import time

import pexpect
import pytest

from agentplug.testing import Reply, ToolCallSpec

from cli_support import AGENTPLUG, keyless_env, run, strip_ansi

PROMPT = "> "
STARTUP = 90  # seconds to the first prompt: imports and an MCP server, on a loaded machine


def spawn(*args: str) -> pexpect.spawn:
    """``agentplug chat`` in a real pseudo-terminal; ``child.logfile_read`` keeps all it
    printed."""
    child = pexpect.spawn(AGENTPLUG, ["chat", *args], env=keyless_env(TERM="xterm"),
                          encoding="utf-8", timeout=30, dimensions=(40, 100))
    child.logfile_read = io.StringIO()
    return child


def screen(child: pexpect.spawn) -> str:
    return strip_ansi(child.logfile_read.getvalue())


def user_turns(request) -> list[str]:
    return [m["content"] for m in request.body["messages"] if m["role"] == "user"]


@pytest.mark.timeout(300)  # an MCP server and five turns, on a shared 2-core machine
def test_a_session_in_a_terminal_keeps_history_runs_a_tool_and_survives_ctrl_c(sim,
                                                                              tool_config):
    sim.script(
        Reply("**Paris** is the capital of France.", usage={"input": 12, "output": 8}),
        Reply(tool_calls=[ToolCallSpec("mcp__weather__forecast", {"city": "Oslo"})]),
        Reply("Tomorrow in Oslo: 21 °C and clear."),
        Reply("word " * 600, chunk_delay=0.02),
        Reply("Oslo, as I said."),
    )
    child = spawn("-c", str(tool_config))
    try:
        child.expect("!help lists the commands")
        child.expect_exact(PROMPT, timeout=STARTUP)
        child.sendline("What is the capital of France?")
        child.expect("capital of France")
        child.expect(r"usage: 12 in, 8 out tokens")
        child.expect_exact(PROMPT)
        assert "Paris is the capital" in screen(child)
        assert "**" not in screen(child)  # rendered as Markdown
        assert "\x1b[1m" in child.logfile_read.getvalue()  # bold, on a terminal

        child.sendline("Weather in Oslo tomorrow?")
        child.expect_exact('→ mcp__weather__forecast({"city": "Oslo"})')
        child.expect_exact("← mcp__weather__forecast: Oslo: 21 °C, clear")
        child.expect("Tomorrow in Oslo")
        child.expect_exact(PROMPT)

        child.sendline("Tell me a very long story")
        child.expect("word word word")
        child.sendintr()  # Ctrl-C mid-answer
        child.expect("answer cancelled")
        child.expect_exact(PROMPT)
        assert child.isalive()  # the session goes on

        child.sendline("Which city did I ask about?")
        child.expect("Oslo, as I said")
        child.expect_exact(PROMPT)
        child.sendline("!exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    # The tool ran through the real MCP server and its result went back to the model.
    tool_round = sim.requests[2].body["messages"]
    assert tool_round[-1]["role"] == "tool" and "21 °C, clear" in tool_round[-1]["content"]
    # The cancelled turn was rolled back: the last request carries the two finished turns
    # and the new message, not the story that was cut short.
    assert user_turns(sim.requests[-1]) == [
        "What is the capital of France?", "Weather in Oslo tomorrow?",
        "Which city did I ask about?"]


def test_reset_and_unknown_commands_in_a_terminal(sim, config):
    sim.script(Reply("First answer."), Reply("Fresh start."))
    child = spawn("-c", str(config))
    try:
        child.expect_exact(PROMPT, timeout=STARTUP)
        child.sendline("one")
        child.expect("First answer")
        child.expect_exact(PROMPT)
        child.sendline("!nope")
        child.expect("unknown command '!nope'; try !help")
        child.expect_exact(PROMPT)
        child.sendline("!reset")
        child.expect("new conversation")
        child.expect_exact(PROMPT)
        child.sendline("two")
        child.expect("Fresh start")
        child.expect_exact(PROMPT)
        child.sendcontrol("d")  # Ctrl-D ends the session like !exit
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert user_turns(sim.requests[1]) == ["two"]
    assert sim.requests[1].body["messages"][0] == {"role": "system", "content": "Be brief."}


def test_ctrl_c_at_the_prompt_gives_a_fresh_prompt(sim, config):
    sim.script(Reply("Still here."))
    child = spawn("-c", str(config))
    try:
        child.expect_exact(PROMPT, timeout=STARTUP)
        child.send("half a thought")
        time.sleep(0.2)
        child.sendintr()
        child.expect_exact(PROMPT)
        child.sendline("hello")
        child.expect("Still here")
        child.expect_exact(PROMPT)
        child.sendline("!exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert user_turns(sim.requests[0]) == ["hello"]


def test_piped_stdin_is_one_message_per_line(sim, config):
    sim.script(Reply("**One.**"), Reply("Two."), Reply("Three."))
    out = run("chat", "-c", str(config), input="first\n\nsecond\n!reset\nthird\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "**One.**\nTwo.\nThree.\n"  # verbatim: no Markdown, no prompt
    assert "\x1b" not in out.stdout + out.stderr
    assert out.stderr.count("usage:") == 3 and "new conversation" in out.stderr
    assert user_turns(sim.requests[1]) == ["first", "second"]
    assert user_turns(sim.requests[2]) == ["third"]


@pytest.mark.parametrize("failing_turn", [0, 1])
def test_a_failed_scripted_turn_sets_the_exit_code(sim, config, failing_turn):
    from agentplug.testing import Fault

    replies = [Reply("fine")] * 2
    replies[failing_turn] = Fault.http(400, message="bad request from the script")
    sim.script(*replies)
    out = run("chat", "-c", str(config), input="a\nb\n")
    assert out.returncode == 1
    assert "agentplug: error: HTTP 400: bad request from the script" in out.stderr
    assert out.stdout == "fine\n"
