"""A team of agents in a classic AG2 GroupChat, streamed as agentplug events.

Members are agentplug agents (adapted with ``to_ag2``) or AG2 ConversableAgents. A silent
``user`` agent posts the task; speaker selection is a function, so round robin, an agentplug
agent choosing (``auto``: AG2's own auto mode needs an AG2 LLM config) and a human choosing
(``manual``) share one path. Each turn streams as ``SpeakerEvent`` then the speaker's events;
the run ends with a summary ``Notice`` and a ``Done`` carrying the total usage.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from ...core.agent import Agent
from ...core.events import Done, ErrorEvent, Event, Notice, SpeakerEvent, TextDelta
from ...core.messages import AssistantMessage, TextPart
from ...core.usage import Usage
from ._bridge import in_quiet_thread, run_in_loop
from .messages import content_text, is_terminate, strip_terminate
from .selectors import Selector

_END = object()


class AgentGroup:
    """The lifecycle and usage of the agentplug agents an AG2 chat holds (``agents``)."""

    @property
    def agents(self) -> list[Agent]:
        raise NotImplementedError

    @property
    def usage(self) -> Usage:
        total = Usage()
        for agent in self.agents:
            total = total + agent.usage
        return total

    async def open(self) -> None:
        await asyncio.gather(*(a.open() for a in self.agents))

    async def close(self) -> None:
        results = await asyncio.gather(*(a.close() for a in self.agents),
                                       return_exceptions=True)
        errors = [r for r in results if isinstance(r, Exception)]
        if errors:
            raise errors[0]


class Team(AgentGroup):
    def __init__(self, members: Sequence[Any], *, pattern: str = "round_robin",
                 max_rounds: int = 10, initial_agent: str | None = None,
                 selector: Agent | None = None,
                 input_fn: Callable[[str], str] | None = None) -> None:
        self.members = list(members)
        self.pattern = pattern
        self.max_rounds = max_rounds
        self.initial_agent = initial_agent
        self.selector = selector
        self.input_fn = input_fn
        self._queue: asyncio.Queue[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def agents(self) -> list[Agent]:
        """The agentplug agents of the team (members and the selector)."""
        found = [m for m in self.members if isinstance(m, Agent)]
        found += [d.agent for m in self.members
                  if (d := getattr(m, "agentplug_driver", None)) is not None]
        return found + ([self.selector] if self.selector is not None else [])

    async def __aenter__(self) -> Team:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def emit(self, event: Event) -> None:
        """Add an event to the running stream; callable from any thread (e.g. an executor)."""
        if self._queue is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, event)

    async def run(self, task: str) -> Done:
        """Run the chat to its end; raise its error if it failed."""
        done: Done | None = None
        async for event in self.stream(task):
            if isinstance(event, ErrorEvent):
                from ...core.errors import BackendError

                raise BackendError(event.message)
            if isinstance(event, Done):
                done = event
        assert done is not None
        return done

    async def stream(self, task: str) -> AsyncIterator[Event]:
        await asyncio.to_thread(_import_autogen)
        await self.open()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self._queue, self._loop = queue, loop
        before = self.usage
        try:
            user, manager, members = self._build(loop, queue.put_nowait)

            def run() -> None:
                try:
                    in_quiet_thread(lambda: user.initiate_chat(
                        manager, message=task, clear_history=True, silent=True))()
                finally:
                    loop.call_soon_threadsafe(queue.put_nowait, _END)

            runner = asyncio.ensure_future(asyncio.to_thread(run))
            try:
                while (event := await queue.get()) is not _END:
                    yield event
                await runner
            except Exception as exc:
                yield ErrorEvent.from_exception(exc)
                return
            finally:
                if not runner.done():  # the consumer left early: stop at the next reply
                    drivers = [d for m in members
                               if (d := getattr(m, "agentplug_driver", None)) is not None]
                    for d in drivers:
                        d.cancelled = True
                    await asyncio.gather(runner, return_exceptions=True)
                    for d in drivers:
                        d.cancelled = False
            answer = _final_answer(manager.groupchat.messages)
            usage = _minus(self.usage, before)
            turns = [m.get("name", "?") for m in manager.groupchat.messages[1:]]
            yield Notice(f"team finished after {len(turns)} turn(s): {' → '.join(turns)}; "
                         f"{usage.summary()}")
            yield Done(AssistantMessage([TextPart(answer)], provider="ag2"), "end_turn", usage)
        finally:
            self._queue = self._loop = None

    def _build(self, loop: asyncio.AbstractEventLoop, sink: Callable[[Event], None]
               ) -> tuple[Any, Any, list[Any]]:
        from autogen import ConversableAgent, GroupChat, GroupChatManager

        from .wrap import to_ag2

        members = []
        for m in self.members:
            if isinstance(m, Agent):
                members.append(to_ag2(m, on_event=sink, loop=loop))
            elif (driver := getattr(m, "agentplug_driver", None)) is not None:
                # An AG2 agent whose model is an agentplug agent: it streams its replies.
                driver.sink, driver.loop, driver.announce = sink, loop, True
                members.append(m)
            else:
                hooks = m.hook_lists["process_message_before_send"]
                if self._announce_ag2 not in hooks:  # once, however many runs
                    m.register_hook("process_message_before_send", self._announce_ag2)
                members.append(m)
        user = ConversableAgent("user", llm_config=False, human_input_mode="NEVER",
                                code_execution_config=False, default_auto_reply="")
        pick = Selector(self.pattern, members, initial=self.initial_agent,
                        chooser=self._choose if self.selector else None,
                        input_fn=self.input_fn, notify=self.emit)
        chat = GroupChat(agents=[user, *members], messages=[], max_round=self.max_rounds + 1,
                         speaker_selection_method=pick, allow_repeat_speaker=True)
        manager = GroupChatManager(chat, llm_config=False, is_termination_msg=is_terminate,
                                   name="team_manager")
        return user, manager, members

    def _announce_ag2(self, sender: Any, message: Any, recipient: Any, silent: bool) -> Any:
        """AG2-native members speak whole messages: stream each as it is sent."""
        if self._loop is not None and getattr(recipient, "groupchat", None) is not None:
            text = content_text(message.get("content") if isinstance(message, dict) else message)
            self.emit(SpeakerEvent(sender.name))
            self.emit(TextDelta(text))
        return message

    def _choose(self, prompt: str) -> str:
        assert self._loop is not None and self.selector is not None
        return run_in_loop(self._loop, _ask(self.selector, prompt))


async def _ask(selector: Agent, prompt: str) -> str:
    await selector.reset()  # each choice stands alone; usage still adds up
    return (await selector.run(prompt)).text


def _import_autogen() -> None:
    from ...core.requirements import require

    require("autogen", "ag2")


def _final_answer(messages: list[dict[str, Any]]) -> str:
    for m in reversed(messages[1:]):
        text = strip_terminate(content_text(m.get("content")))
        if text:
            return text
    return ""


def _minus(after: Usage, before: Usage) -> Usage:
    cost = None
    if after.cost_usd is not None:
        cost = after.cost_usd - (before.cost_usd or 0.0)
    return Usage(after.input_tokens - before.input_tokens,
                 after.output_tokens - before.output_tokens,
                 after.cached_tokens - before.cached_tokens,
                 after.cache_write_tokens - before.cache_write_tokens,
                 after.reasoning_tokens - before.reasoning_tokens,
                 after.requests - before.requests, cost)


def team_from_config(config: Any, *, input_fn: Callable[[str], str] | None = None) -> Team:
    """The team a config's ``team:`` section describes (agents built, not yet opened)."""
    from ...build import create_agent
    from .team_config import parse_team

    spec = parse_team(config)
    members = [create_agent(config.agent(i)) for i in spec.agents]
    selector = None
    if spec.pattern == "auto":
        # A separate instance: choosing speakers must not enter a member's own history.
        selector = create_agent(config.agent(spec.selector or spec.initial_agent or spec.agents[0]))
        selector.id = f"{selector.id}_selector"
    return Team(members, pattern=spec.pattern, max_rounds=spec.max_rounds,
                initial_agent=spec.initial_agent, selector=selector, input_fn=input_fn)
