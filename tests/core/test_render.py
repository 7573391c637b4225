"""The terminal rendering of events: the answer on stdout, activity on stderr."""

from __future__ import annotations

import io

from agentplug.commands._render import TerminalRenderer
from agentplug.core.events import BuiltinToolEvent, Source, TextDelta


def render(*events):
    out, err = io.StringIO(), io.StringIO()
    r = TerminalRenderer(out=out, err=err)
    for e in events:
        r(e)
    return out.getvalue(), err.getvalue()


def test_code_execution_shows_code_output_and_failure():
    _, err = render(BuiltinToolEvent(tool="code_execution", status="completed",
                                     code="print(6*7)", stdout="42\n", stderr="warn",
                                     return_code=3))
    assert "print(6*7)" in err and "→ 42" in err and "stderr: warn" in err and "(exit 3)" in err


def test_web_search_shows_query_and_sources():
    _, err = render(BuiltinToolEvent(tool="web_search", status="completed", query="agentplug",
                                     sources=[Source(url="https://example.org/a")]))
    assert "agentplug" in err and "https://example.org/a" in err


def test_answer_goes_to_stdout_only():
    out, err = render(TextDelta(text="Paris"))
    assert out == "Paris" and err == ""
