"""The Agent: a backend, a history, toolsets and the tool loop.

A turn is committed to the history only when it completes. An error or a cancellation rolls
the turn back, so the agent stays usable and the history stays valid for every provider.
Every call's usage is priced (``pricing``) and charged to the agent's budgets, failed turns
included (their calls were paid for); a turn is refused before it starts once a budget is spent.
With tracing on, a turn is an ``invoke_agent`` span over its ``chat`` and ``execute_tool`` spans.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from . import pricing, tracing
from .protocol import Backend, ToolBinder
from .errors import AgentplugError, BackendError
from .events import (
    Done, ErrorEvent, Event, Notice, PlannedToolCall, StructuredOutput, ToolResult, UsageEvent,
)
from .messages import (
    JSON, AssistantMessage, Message, Part, SystemMessage, TextPart, ToolCallPart,
    ToolResultMessage, UserMessage,
)
from .structured import Output, OutputStrategy, OutputTurn
from .tools import FunctionTool, FunctionToolset, NoticeSource, ToolDef, ToolOutput, Toolset
from .usage import Budget, Usage

T = TypeVar("T")


@dataclass(slots=True)
class RunResult:
    text: str
    message: AssistantMessage
    usage: Usage
    stop_reason: str


class Agent:
    def __init__(
        self,
        backend: Backend,
        *,
        id: str = "agent",
        system_message: str | None = None,
        tools: Sequence[Callable[..., Any] | FunctionTool] = (),
        toolsets: Sequence[Toolset] = (),
        max_tool_rounds: int = 10,
        planning_mode: bool = False,
        planning_blocked_tools: Sequence[str] | None = None,
        max_cost_usd: float | None = None,
        max_tokens_total: int | None = None,
        budget: Budget | None = None,
        attachments: Sequence[Part] = (),
        output_type: Any = None,
        output_retries: int = 1,
    ) -> None:
        self.id = id
        # Every turn's typed answer unless a call names its own (a config's output_schema).
        self.output_type = output_type
        # How often a typed answer (output_type) that fails validation is asked for again.
        self.output_retries = output_retries
        # Sent with the first prompt of a conversation (a config's upload_files).
        self.attachments = list(attachments)
        self.backend = backend
        self.system_message = system_message
        self.max_tool_rounds = max_tool_rounds
        self.planning_mode = planning_mode
        self.planning_blocked_tools = set(planning_blocked_tools or ())
        self.toolsets: list[Toolset] = list(toolsets)
        if tools:
            self.toolsets.insert(0, FunctionToolset(tools))
        self.history: list[Message] = [SystemMessage(system_message)] if system_message else []
        self.usage = Usage()
        self.last_error: BaseException | None = None
        self._sent = 0  # stateful backends: how much of the history they have seen
        self._turn_sent = 0  # ... and of the current turn (a typed answer's retries)
        self._turn: list[Message] = []  # the turn in progress (see conversation())
        self._opened = False
        self._tool_index: dict[str, tuple[Toolset, ToolDef]] = {}
        # The agent's own limits, and a budget shared with other agents of the same run.
        own = (Budget(max_cost_usd, max_tokens_total, name=f"agent {id!r}")
               if max_cost_usd is not None or max_tokens_total is not None else None)
        self.budgets = [b for b in (own, budget) if b is not None]
        self._unpriced_warned = False
        self._turn_span: Any = None  # the current turn's span while tracing

    # lifecycle ---------------------------------------------------------------------------
    async def open(self) -> None:
        if self._opened:
            return
        self._opened = True
        try:
            await asyncio.to_thread(pricing.warm)  # the price tables load in ~0.4 s
            await self.backend.open()
            await asyncio.gather(*(ts.open() for ts in self.toolsets))
            self._index_tools()
            # A stateful backend runs its own tool loop: hand it the means to run ours.
            if self.backend.stateful and isinstance(self.backend, ToolBinder):
                self.backend.bind_tools(self.call_tool)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if not self._opened:
            return
        self._opened = False
        results = await asyncio.gather(
            *(ts.close() for ts in self.toolsets), self.backend.close(), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, Exception)]
        if errors:
            raise errors[0]

    async def __aenter__(self) -> Agent:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def add_toolset(self, toolset: Toolset) -> None:
        """Add tools after construction; opened now if the agent already is. A name clash
        with an existing tool is an error and leaves the agent as it was."""
        if self._opened:
            await toolset.open()
        self.toolsets.append(toolset)
        try:
            self._index_tools()
        except AgentplugError:
            self.toolsets.remove(toolset)
            self._index_tools()
            if self._opened:
                await toolset.close()
            raise

    def _index_tools(self) -> None:
        self._tool_index.clear()
        for ts in self.toolsets:
            for td in ts.tool_defs():
                if td.name in self._tool_index:
                    raise AgentplugError(f"agent {self.id!r}: two tools are named {td.name!r}")
                self._tool_index[td.name] = (ts, td)

    @property
    def tool_defs(self) -> list[ToolDef]:
        return [td for _, td in self._tool_index.values()]

    def conversation(self) -> list[Message]:
        """The conversation as the model sees it now: the history and, during a turn, the
        turn so far (its prompt, the calls made and their results). A tool that asks for the
        conversation (MassGen's ``@context_params("messages")``) is given this."""
        return [*self.history, *self._turn]

    async def reset(self) -> None:
        """Start a fresh conversation (keeps the system message)."""
        self.history = [m for m in self.history[:1] if isinstance(m, SystemMessage)]
        self._sent = 0
        await self.backend.reset()

    # turns -------------------------------------------------------------------------------
    @overload
    async def run(self, prompt: str | UserMessage, *, output_type: None = None,
                  output_retries: int | None = None,
                  output_strategy: OutputStrategy | None = None) -> RunResult: ...

    @overload
    async def run(self, prompt: str | UserMessage, *, output_type: type[T],
                  output_retries: int | None = None,
                  output_strategy: OutputStrategy | None = None) -> T: ...

    @overload
    async def run(self, prompt: str | UserMessage, *, output_type: dict[str, Any],
                  output_retries: int | None = None,
                  output_strategy: OutputStrategy | None = None) -> Any: ...

    async def run(self, prompt: str | UserMessage, *, output_type: Any = None,
                  output_retries: int | None = None,
                  output_strategy: OutputStrategy | None = None) -> Any:
        """Run one turn to completion; raise the turn's error if it failed. With an
        ``output_type``, return the validated answer instead of a ``RunResult``."""
        done: Done | None = None
        output: Any = None
        async for event in self.stream(prompt, output_type=output_type,
                                       output_retries=output_retries,
                                       output_strategy=output_strategy):
            if isinstance(event, Done):
                done = event
            elif isinstance(event, StructuredOutput) and not event.partial:
                output = event.value
            elif isinstance(event, ErrorEvent):
                raise self.last_error or BackendError(event.message)
        assert done is not None
        if output_type is not None or self.output_type is not None:
            return output
        return RunResult(done.text, done.message, done.usage, done.stop_reason)

    async def stream(self, prompt: str | UserMessage, *, output_type: Any = None,
                     output_retries: int | None = None,
                     output_strategy: OutputStrategy | None = None) -> AsyncIterator[Event]:
        """Stream one turn: deltas, tool activity and usage, then ``Done`` or ``ErrorEvent``.

        With an ``output_type`` (a pydantic model, dataclass, TypedDict, a list of them or a
        JSON schema dict), ``StructuredOutput`` events carry the answer's JSON as it grows,
        then the validated instance just before ``Done``."""
        await self.open()
        user = UserMessage.of(prompt) if isinstance(prompt, str) else prompt
        if self.attachments and not any(isinstance(m, UserMessage) for m in self.history):
            user = UserMessage([*self.attachments, *user.parts])
        typed: OutputTurn | None = None
        output_type = self.output_type if output_type is None else output_type
        if output_type is not None:
            # Off the loop: a schema's first validator imports jsonschema; big models take ms.
            output = await asyncio.to_thread(Output, output_type)
            typed = OutputTurn.on(self.backend, output, output_strategy,
                                  self.output_retries if output_retries is None
                                  else output_retries)
            user = typed.prepare(user)
        turn: list[Message] = [user]
        self._turn = turn
        self._turn_sent = 0
        usage = Usage()
        self.last_error = None
        committed = False
        failure: BaseException | ErrorEvent | None = None
        trace: tracing.Tracing | None = None
        try:
            trace = tracing.active()  # AGENTPLUG_TRACING=1 without the otel extra: an error
            for budget in self.budgets:
                budget.check()
            if trace is not None:
                self._turn_span = trace.agent(self.id, pricing.price_ref(self.backend),
                                              _backend_type(self.backend), self.system_message)
            for notice in self._toolset_notices():
                yield notice
            round_no = 0
            while True:
                done: Done | None = None
                if typed is not None:
                    typed.start_call()
                # aclosing: a turn left early (break, cancel) ends the backend's call now,
                # not whenever the garbage collector finalizes its generator.
                async with _closing(self._call_model(turn, trace, typed)) as call_events:
                    async for event in call_events:
                        if typed is not None and (partial := typed.partial(event)):
                            yield event
                            yield partial
                            continue
                        if isinstance(event, Done):
                            done = event
                            continue
                        if isinstance(event, UsageEvent):
                            usage = usage + event.usage
                            warning = self._charge(event.usage)
                            if warning is not None:
                                yield warning
                        elif isinstance(event, ErrorEvent):
                            self.last_error = BackendError(event.message)
                            failure = event
                            yield event
                            return
                        yield event
                if done is None:
                    raise BackendError(f"backend {type(self.backend).__name__} ended a call "
                                       "without a Done event")
                turn.append(done.message)
                calls = [] if self.backend.stateful else done.message.tool_calls
                verdict = typed.judge(done.message, calls) if typed is not None else None
                if verdict is not None:
                    turn.extend(verdict.follow_up)
                    if not verdict.accepted:
                        continue  # a retry: not a tool round
                    yield StructuredOutput(verdict.value, partial=False)
                    final = Done(done.message, done.stop_reason, usage)
                    break
                if not calls:
                    final = Done(done.message, done.stop_reason, usage)
                    break
                if round_no == self.max_tool_rounds:
                    turn.extend(_unanswered(calls, "tool round limit reached"))
                    yield Notice(f"stopped after {self.max_tool_rounds} tool rounds "
                                 "(raise max_tool_rounds to allow more)", level="warning")
                    final = Done(done.message, "max_tool_rounds", usage)
                    break
                async for event in self._run_tools(calls, turn):
                    yield event
                for notice in self._toolset_notices():
                    yield notice
                round_no += 1
            self._commit(turn, usage)
            committed = True
            yield final
        except Exception as exc:  # the stream's contract: failures arrive as an ErrorEvent
            self.last_error = failure = exc
            yield ErrorEvent.from_exception(exc)
        finally:
            self._turn = []  # committed to the history, or rolled back
            if not committed and self.backend.stateful:
                self._sent = len(self.history)
            if trace is not None and self._turn_span is not None:
                self._end_turn_span(trace, usage, failure)

    async def _call_model(self, turn: list[Message], trace: tracing.Tracing | None,
                          typed: OutputTurn | None = None) -> AsyncIterator[Event]:
        """One backend call, its usage priced; with tracing, inside a ``chat`` span (unless
        the backend makes one per call itself, as a fallback chain does). A typed answer's
        native schema (or, with the tool strategy, the output tool to force) reaches the
        backend as ``output=``, which only backends whose type declares native or tool are
        asked to accept."""
        messages = self._outgoing(turn)
        tools = self.tool_defs if typed is None else typed.tools(self.tool_defs)
        spec = typed.call_spec if typed is not None else None
        events = (self.backend.stream(messages, tools) if spec is None
                  else self.backend.stream(messages, tools, output=spec))  # type: ignore[call-arg]
        span = None
        if trace is not None:
            if not getattr(self.backend, "traces_calls", False):
                span = trace.chat(self._turn_span, pricing.price_ref(self.backend), self.backend,
                                  messages)
            events = trace.within(span or self._turn_span, events)
        call_usage = Usage()
        try:
            async with _closing(events) as call_events:
                async for event in call_events:
                    if isinstance(event, UsageEvent):
                        # The backend's price reference now: a chain's member may have changed.
                        event = UsageEvent(pricing.price(event.usage,
                                                         pricing.price_ref(self.backend)))
                        call_usage = call_usage + event.usage
                    if span is not None and trace is not None:
                        _record(trace, span, event, call_usage)
                    yield event
        except Exception as exc:
            if span is not None and trace is not None:
                trace.fail(span, exc)
            raise
        finally:
            if span is not None:
                span.end()

    def _charge(self, usage: Usage) -> Notice | None:
        """Count a call against every budget; warn once when a cost limit cannot see it."""
        for budget in self.budgets:
            budget.charge(usage)
        if (usage.unpriced and not self._unpriced_warned
                and any(b.max_cost_usd is not None for b in self.budgets)):
            self._unpriced_warned = True
            return Notice(f"max_cost_usd cannot count unpriced calls ({'; '.join(usage.unpriced)})"
                          "; max_tokens_total still applies", level="warning")
        return None

    def _end_turn_span(self, trace: tracing.Tracing, usage: Usage,
                       failure: BaseException | ErrorEvent | None) -> None:
        span, self._turn_span = self._turn_span, None
        trace.usage(span, usage)
        if failure is not None:
            trace.fail(span, failure)
        span.end()

    def _outgoing(self, turn: list[Message]) -> list[Message]:
        if not self.backend.stateful:
            return [*self.history, *turn]
        # A second call in one turn (a typed answer's retry) sends only what is new.
        pending = [*self.history[self._sent:], *turn[self._turn_sent:]]
        self._sent, self._turn_sent = len(self.history), len(turn)
        return [m for m in pending if not isinstance(m, AssistantMessage)]

    def _commit(self, turn: list[Message], usage: Usage) -> None:
        self.history.extend(turn)
        self._sent = len(self.history)
        self.usage = self.usage + usage

    async def _run_tools(self, calls: list[ToolCallPart], turn: list[Message]
                         ) -> AsyncIterator[Event]:
        planned = [c for c in calls if self._is_planned(c.name)]
        for call in planned:
            yield PlannedToolCall(call)
        results = await asyncio.gather(*(self._call_tool(c, c in planned) for c in calls))
        for call, result in zip(calls, results, strict=True):
            turn.append(result)
            yield ToolResult(call.id, call.name, result.text, result.is_error, result.parts)

    def _toolset_notices(self) -> list[Notice]:
        """Warnings toolsets gathered (an MCP server down, restarted)."""
        out: list[Notice] = []
        for ts in self.toolsets:
            if isinstance(ts, NoticeSource):
                out.extend(ts.drain_notices())
        return out

    def _is_planned(self, name: str) -> bool:
        if not self.planning_mode:
            return False
        return not self.planning_blocked_tools or name in self.planning_blocked_tools

    async def _call_tool(self, call: ToolCallPart, planned: bool) -> ToolResultMessage:
        if planned:
            return _result(call, "planning mode: this call was planned, not executed", False)
        output = await self._traced_tool(call.name, call.arguments, call.id)
        return ToolResultMessage(call.id, call.name, output.parts or [TextPart("")],
                                 output.is_error, output.structured)

    async def call_tool(self, name: str, arguments: JSON) -> ToolOutput:
        """Run one of the agent's tools by name; a failure comes back as an error output.

        Stateful backends that define ``bind_tools(runner)`` receive this method on open, so
        their own tool loop can run the agent's Python and toolset tools.
        """
        return await self._traced_tool(name, arguments, None)

    async def _traced_tool(self, name: str, arguments: JSON, call_id: str | None) -> ToolOutput:
        trace = tracing.active()
        if trace is None:
            return await self._tool_output(name, arguments)
        # Parented on the turn explicitly: a stateful backend calls in from its own task.
        with trace.tool(name, call_id, arguments, self._turn_span) as span:
            output = await self._tool_output(name, arguments)
            trace.tool_result(span, output.as_text, output.is_error)
        return output

    async def _tool_output(self, name: str, arguments: JSON) -> ToolOutput:
        entry = self._tool_index.get(name)
        if entry is None:
            known = ", ".join(sorted(self._tool_index)) or "none"
            return ToolOutput.text(f"unknown tool {name!r}; available tools: {known}",
                                   is_error=True)
        toolset, _ = entry
        try:
            return await toolset.call(name, arguments)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failing tool is the model's problem to handle, not a crash
            return ToolOutput.text(f"{type(exc).__name__}: {exc}", is_error=True)


@contextlib.asynccontextmanager
async def _closing(events: AsyncIterator[Event]) -> AsyncIterator[AsyncIterator[Event]]:
    """Close an async generator on exit (plain async iterators have nothing to close)."""
    try:
        yield events
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()


def _record(trace: tracing.Tracing, span: Any, event: Event, call_usage: Usage) -> None:
    if isinstance(event, UsageEvent):
        trace.usage(span, call_usage)
    elif isinstance(event, Done):
        trace.done(span, event)
    elif isinstance(event, ErrorEvent):
        trace.fail(span, event)


def _backend_type(backend: object) -> str | None:
    return getattr(getattr(backend, "spec", None), "type", None)


def _result(call: ToolCallPart, text: str, is_error: bool) -> ToolResultMessage:
    return ToolResultMessage(call.id, call.name, [TextPart(text)], is_error)


def _unanswered(calls: list[ToolCallPart], why: str) -> list[ToolResultMessage]:
    return [_result(c, f"not executed: {why}", True) for c in calls]

