"""Output caps: head and tail kept, the cut said; background lines in a bounded ring."""

from __future__ import annotations

from agentplug.toolsets.command_line.output import LINE_LIMIT, HeadTail, LineRing


def test_head_and_tail_are_kept_and_the_cut_is_said():
    cap = HeadTail(100)
    for i in range(1000):
        cap.feed(f"{i:04d}\n".encode())
    text = cap.text()
    assert text.startswith("0000\n0001\n") and text.endswith("0998\n0999\n")
    assert cap.total == 5000 and cap.cut == 4900
    assert "[... 4,900 of 5,000 bytes cut" in text


def test_short_output_is_untouched():
    cap = HeadTail(100)
    cap.feed(b"hello\n")
    assert cap.text() == "hello\n" and cap.cut == 0


def test_line_ring_keeps_the_last_lines_and_counts_the_dropped():
    ring = LineRing(max_lines=3)
    ring.feed(b"a\nb\nc\nd\ne")
    assert ring.lines() == ["c", "d", "e"]
    ring.flush()
    assert ring.lines() == ["c", "d", "e"] and ring.dropped == 2
    ring.feed(b"x" * (LINE_LIMIT + 10) + b"\n")
    assert ring.lines()[-1].endswith("[... 10 bytes of this line cut]")
