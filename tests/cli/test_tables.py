"""Tables: aligned with emoji and wide characters at 80 and 200 columns, plain when piped."""

from __future__ import annotations

import io
import unicodedata

import pytest
from cli_support import keyless_env, run

from agentplug.commands._render import print_table


def cells(text: str) -> int:
    """Terminal cells of ``text`` by the Unicode tables (not rich's own measure): East Asian
    wide and fullwidth characters, emoji included, take two; combining marks none."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def assert_aligned(lines: list[str], width: int) -> None:
    """Every line of the box is as wide as the others and within ``width``, and each
    column border sits at the same cell offset on every line."""
    box = [ln for ln in lines if ln.startswith(("+", "|"))]
    assert len(box) >= 4
    assert {cells(ln) for ln in box} == {cells(box[0])}, "\n".join(box)
    assert cells(box[0]) <= width

    def at_cells(line: str) -> dict[int, str]:
        out, pos = {}, 0
        for ch in line:
            out[pos] = ch
            pos += cells(ch)
        return out

    # The top border (+----+----+) gives the column edges; every row has a | at each.
    edges = [pos for pos, ch in at_cells(box[0]).items() if ch == "+"]
    for line in box:
        drawn = at_cells(line)
        assert all(drawn.get(pos) in ("|", "+") for pos in edges), line


ROWS = [["local", "✅", "Nothing: the embedded model"],
        ["claude", "❌ pip install 'agentplug[claude]'", "ANTHROPIC_API_KEY"],
        ["東京", "✅", "日本語の説明がここに入ります。幅の広い文字です。" * 3]]


@pytest.mark.parametrize("width", [80, 200])
def test_a_table_with_emoji_and_cjk_stays_aligned(width, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(width))
    out = io.StringIO()
    print_table(["Type", "Installed", "Setup"], ROWS, out=out)
    text = out.getvalue()
    assert "\x1b" not in text
    assert_aligned(text.splitlines(), width)
    assert "東京" in text and "✅" in text
    if width == 200:  # room for every cell on one line
        assert len([ln for ln in text.splitlines() if ln.startswith("|")]) == 1 + len(ROWS)


@pytest.mark.parametrize("width", [80, 200])
def test_backends_tables_fit_the_width_and_carry_no_ansi_when_piped(width):
    result = run("backends", env=keyless_env(COLUMNS=str(width)))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    lines = result.stdout.splitlines()
    starts = [i for i, ln in enumerate(lines) if ln.strip() in ("Backends", "Tools")]
    assert len(starts) == 2, result.stdout
    assert_aligned(lines[starts[0] + 1:starts[1]], width)
    assert_aligned(lines[starts[1] + 1:], width)
    assert "chatcompletion" in result.stdout and "✅" in result.stdout


def test_a_table_on_a_terminal_is_coloured_and_drawn_with_box_characters():
    from rich.console import Console

    from agentplug.commands import _render

    out = io.StringIO()
    out.isatty = lambda: True  # type: ignore[method-assign]
    con = _render.console(out)
    assert isinstance(con, Console) and con.is_terminal
    print_table(["Type", "Installed"], [["local", "✅"]], out=out)
    assert "\x1b[1m" in out.getvalue() and "╭" in out.getvalue()
