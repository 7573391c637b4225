"""agentplug.testing.transcript: a team's events as (speaker, text) turns."""

from __future__ import annotations

from agentplug import Notice, SpeakerEvent, TextDelta
from agentplug.testing import transcript


def test_text_is_joined_under_the_speaker_before_it():
    events = [TextDelta("lost"), SpeakerEvent("a"), TextDelta("he"), TextDelta("llo"),
              Notice("x"), SpeakerEvent("b"), SpeakerEvent("a"), TextDelta("bye")]
    assert transcript(events) == [("a", "hello"), ("b", ""), ("a", "bye")]
