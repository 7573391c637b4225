"""A team's event stream as what each speaker said: the shape team tests assert on."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.events import Event, SpeakerEvent, TextDelta


def transcript(events: Iterable[Event]) -> list[tuple[str, str]]:
    """``(speaker, text)`` per turn: text deltas joined under the ``SpeakerEvent`` before them
    (text before the first speaker is not part of any turn)."""
    turns: list[tuple[str, str]] = []
    for event in events:
        if isinstance(event, SpeakerEvent):
            turns.append((event.agent, ""))
        elif isinstance(event, TextDelta) and turns:
            speaker, text = turns[-1]
            turns[-1] = (speaker, text + event.text)
    return turns
