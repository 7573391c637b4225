"""Who speaks next in a team: one callable for AG2's GroupChat, whatever the pattern.

AG2 calls it in the chat's thread with the last speaker; returning None ends the chat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ...core.events import Event, Notice
from .messages import content_text

_TRANSCRIPT_CHARS = 6000


class Selector:
    def __init__(self, pattern: str, members: Sequence[Any], *, initial: str | None = None,
                 chooser: Callable[[str], str] | None = None,
                 input_fn: Callable[[str], str] | None = None,
                 notify: Callable[[Event], None] = lambda e: None) -> None:
        self.pattern = pattern
        self.members = list(members)
        self.by_name = {m.name: m for m in self.members}
        self.initial = self.by_name[initial] if initial else self.members[0]
        self.chooser = chooser
        self.input_fn = input_fn or input
        self.notify = notify

    def __call__(self, last_speaker: Any, groupchat: Any) -> Any:
        if last_speaker not in self.members:  # the task was just posted
            return self.initial
        if self.pattern == "manual":
            return self._manual(last_speaker)
        if self.pattern == "auto" and self.chooser is not None:
            return self._auto(last_speaker, groupchat.messages)
        return self._after(last_speaker)

    def _after(self, speaker: Any) -> Any:
        return self.members[(self.members.index(speaker) + 1) % len(self.members)]

    def _auto(self, last_speaker: Any, messages: list[dict[str, Any]]) -> Any:
        assert self.chooser is not None
        answer = self.chooser(self.prompt(messages))
        if answer.strip().rstrip(".").upper() == "TERMINATE":
            return None
        chosen = self.match(answer)
        if chosen is None:
            chosen = self._after(last_speaker)
            self.notify(Notice(f"the selector answered {answer.strip()[:80]!r}, not a member "
                               f"name: {chosen.name} speaks next (round robin)",
                               level="warning"))
        return chosen

    def prompt(self, messages: list[dict[str, Any]]) -> str:
        roster = "\n".join(f"- {m.name}: {m.description}" for m in self.members)
        lines = [f"{m.get('name', 'user')}: {content_text(m.get('content'))}" for m in messages]
        transcript = "\n\n".join(lines)[-_TRANSCRIPT_CHARS:]
        return ("You choose who speaks next in a team conversation.\n"
                f"Team members:\n{roster}\n\nConversation so far:\n{transcript}\n\n"
                "Reply with only the name of the member who should speak next, or TERMINATE "
                "if the task is complete.")

    def match(self, answer: str) -> Any:
        text = answer.strip()
        if text in self.by_name:
            return self.by_name[text]
        found = [m for m in self.members if re.search(rf"\b{re.escape(m.name)}\b", text)]
        return found[0] if len(found) == 1 else None

    def _manual(self, last_speaker: Any) -> Any:
        names = [m.name for m in self.members]
        options = "  ".join(f"{i}) {n}" for i, n in enumerate(names, 1))
        while True:
            answer = self.input_fn(f"next speaker? {options}  (empty: stop) ").strip()
            if not answer or answer.lower() in ("exit", "stop", "q"):
                return None
            if answer.isdigit() and 1 <= int(answer) <= len(names):
                return self.members[int(answer) - 1]
            if (chosen := self.match(answer)) is not None:
                return chosen
