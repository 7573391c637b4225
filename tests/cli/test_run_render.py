"""``agentplug run`` output: Markdown on a terminal, verbatim when piped or with --plain."""

from __future__ import annotations

import io

import pexpect
import pytest
from cli_support import AGENTPLUG, keyless_env, run, strip_ansi

from agentplug.commands._render import TerminalRenderer, split_blocks
from agentplug.core.events import TextDelta, ToolResult
from agentplug.testing import Reply

ANSWER = "# Capitals\n\n**Paris** is the capital of *France*.\n\n```python\nprint('hi')\n```\n"


def in_terminal(*args: str) -> tuple[str, int]:
    child = pexpect.spawn(AGENTPLUG, list(args), env=keyless_env(TERM="xterm"),
                          encoding="utf-8", timeout=60, dimensions=(40, 100))
    child.logfile_read = io.StringIO()
    child.expect(pexpect.EOF)
    child.close()
    return child.logfile_read.getvalue(), child.exitstatus


def test_a_terminal_gets_markdown_rendered(sim, config):
    sim.script(Reply(ANSWER))
    raw, status = in_terminal("run", "-c", str(config), "capital?")
    assert status == 0, raw
    text = strip_ansi(raw)
    assert "Paris is the capital of France." in text and "**" not in text
    assert "print('hi')" in text and "```" not in text
    assert "\x1b[" in raw  # styled


def test_plain_on_a_terminal_prints_the_answer_verbatim(sim, config):
    sim.script(Reply(ANSWER))
    raw, status = in_terminal("run", "--plain", "-c", str(config), "capital?")
    assert status == 0, raw
    assert "**Paris** is the capital of *France*." in raw
    assert "```python" in raw


def test_piped_output_is_verbatim_and_free_of_ansi(sim, config):
    sim.script(Reply(ANSWER, usage={"input": 3, "output": 5}))
    result = run("run", "-c", str(config), "capital?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ANSWER
    assert "\x1b" not in result.stdout + result.stderr
    assert "usage: 3 in, 5 out tokens" in result.stderr


@pytest.mark.parametrize(("text", "done"), [
    ("one paragraph", ""),
    ("first\n\nsecond", "first\n\n"),
    ("first\n\n", ""),  # the paragraph or list may continue
    ("- a\n\n  still a\n\nnext", "- a\n\n  still a\n\n"),
    ("```\ncode\n\nmore code\n```\n\nafter", "```\ncode\n\nmore code\n```\n\n"),
    ("```\ncode\n\nstill open", ""),
])
def test_blocks_are_cut_only_where_markdown_allows(text, done):
    assert split_blocks(text) == (done, text[len(done):])


def test_streamed_markdown_prints_each_block_once_and_activity_in_between():
    out, err = io.StringIO(), io.StringIO()
    render = TerminalRenderer(out=out, err=err, markdown=True)
    for piece in ["**Par", "is** is", " first.\n\nThen ", "the tool:"]:
        render(TextDelta(piece))
    render(ToolResult("c1", "lookup", "42"))
    render(TextDelta("\n\n*done*"))
    render.close()
    shown = out.getvalue()
    assert shown.count("Paris is first.") == 1 and "**" not in shown
    assert shown.count("Then the tool:") == 1 and "done" in shown and "*done*" not in shown
    assert shown.index("Then the tool:") < shown.index("done")
    assert err.getvalue() == "← lookup: 42\n"


def test_ctrl_c_in_a_terminal_keeps_what_arrived_and_exits_130(sim, config):
    sim.script(Reply("word " * 600, chunk_delay=0.02))
    child = pexpect.spawn(AGENTPLUG, ["run", "-c", str(config), "long"],
                          env=keyless_env(TERM="xterm"), encoding="utf-8", timeout=60,
                          dimensions=(40, 100))
    child.logfile_read = io.StringIO()
    try:
        child.expect("word word word")
        child.sendintr()
        child.expect("agentplug: interrupted")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 130
    text = strip_ansi(child.logfile_read.getvalue())
    assert "Traceback" not in text
    # The block being written when Ctrl-C came is printed for good, not wiped with the
    # live view.
    before = text[:text.index("agentplug: interrupted")]
    assert before.rstrip().endswith("word")
