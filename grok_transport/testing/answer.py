"""One answer to a chat turn, decided once, whichever endpoint and wire format will carry it.

:func:`decide` turns a :class:`~.conversation.Conversation` and the scripted :class:`Reply` (or
None) into an :class:`Answer`; :mod:`.chat` and :mod:`.responses_api` only render it. With nothing
scripted the answer is a stand-in, a pure function of the conversation, in this order:

1. function calls, when functions are offered, ``tool_choice`` allows them and the user or a tool
   spoke last: the named function, else each one the user's message mentions (its name, or a
   telling word of its description) not called since, only the first with
   ``parallel_tool_calls: false`` (how the real API walks through a list, one call per turn);
   ``"required"`` falls back to the first. Arguments take their words from the message;
2. after tool results, a sentence stating each, citing the searches made since the user spoke;
3. with ``web_search`` or ``x_search`` offered on ``/v1/responses``: one simulated search per
   kind and an answer citing two sources with ``[[n]](url)`` markers, as grok-4.3 does. Once a
   search was made, a new message searches again only if it asks to ("latest", "news"…), as
   grok-4.3 answered "Thanks. Now just say OK." without searching. A message that also asks for
   a function gets both in one answer, keeping an agent loop to two requests;
4. a schema-valid JSON instance for a ``json_schema`` format (an object for ``json_object``);
5. a short lowercase line that echoes the question (witty, with an emoji, on grokinc).

Code execution never runs unscripted (no question reliably calls for it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from . import prompt_reading, stand_ins, tool_choice
from .conversation import Conversation, estimate, message_text, response_model
from .replies import Citation, Reply, ServerToolRun, ToolCall, split_words
from .schema_instance import arguments_for, instance_for
from .stand_ins import Clues

__all__ = ["Answer", "decide"]

_WANTS_SEARCH = re.compile(
    r"\b(?:search|look\s+up|google|latest|current|news|today|recent|find|sources?|cite)"
)


@dataclass(frozen=True)
class Answer:
    """What the model says, before either wire format is chosen.

    ``text`` and ``reasoning`` are the stream pieces. Tool calls without an ``id`` get one in
    the wire's own form when rendered. ``incomplete`` says ``max_output_tokens`` cut the text.
    ``usage`` holds a script's overrides, in the wire's own keys.
    """

    text: tuple[str, ...]
    reasoning: tuple[str, ...] | None
    calls: tuple[ToolCall, ...]
    citations: tuple[Citation, ...]
    runs: tuple[ServerToolRun, ...]
    model: str
    finish_reason: str
    incomplete: bool
    prompt_tokens: int
    image_tokens: int
    cached_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    usage: Mapping[str, Any] | None = None

    def cost_ticks(self, runs: int) -> int:
        """The stand-in price: $0.20/M fresh and $0.05/M cached input, $0.50/M output, $5 per 1,000 runs."""
        fresh = self.prompt_tokens - self.cached_tokens
        output = self.completion_tokens + self.reasoning_tokens
        return fresh * 2_000 + self.cached_tokens * 500 + output * 5_000 + runs * 50_000_000


def decide(conversation: Conversation, reply: Reply | None) -> Answer:
    """The answer to ``conversation``: ``reply`` if it is a text or tool-call script, else the stand-in."""
    scripted = reply is not None and reply.kind in ("text", "tool_calls")
    chosen = reply if scripted else stand_in(conversation)
    assert chosen is not None
    reasoning = chosen.reasoning_pieces
    if reasoning is None and conversation.shows_reasoning and (not scripted or conversation.always_reasons):
        reasoning = split_words(stand_ins.reasoning_for(conversation.user_text))
    text, incomplete = chosen.content_pieces, False
    limit = conversation.max_output_tokens
    if limit is not None and estimate("".join(text)) > limit:
        text, incomplete = split_words("".join(text)[: limit * 4]), True
    completion = estimate("".join(text) + "".join(c.name + c.arguments for c in chosen.calls))
    # Shown reasoning is counted; hidden reasoning (grok-4, grok-4-fast-reasoning) only costs.
    hidden = 16 + 3 * completion if conversation.info.reasoning else 0
    return Answer(
        text=text,
        reasoning=reasoning,
        calls=chosen.calls,
        citations=chosen.citations,
        runs=chosen.server_tools,
        model=chosen.model or response_model(conversation.model, conversation.provider, conversation.effort),
        finish_reason=chosen.finish_reason or ("tool_calls" if chosen.calls else "stop"),
        incomplete=incomplete,
        prompt_tokens=conversation.prompt_tokens + conversation.cached_tokens,
        image_tokens=conversation.image_tokens,
        cached_tokens=conversation.cached_tokens,
        completion_tokens=completion,
        reasoning_tokens=hidden if reasoning is None else max(1, estimate("".join(reasoning))),
        usage=chosen.usage,
    )


def stand_in(conversation: Conversation) -> Reply:
    """The built-in answer (see the module docstring); a pure function of the conversation."""
    role, text = conversation.last_role, conversation.user_text
    runs = _planned_searches(conversation)
    functions = _chosen_functions(conversation) if role in ("user", "tool") else []
    if functions:
        clues = Clues.of(text, conversation.evidence)
        reply = Reply.tool_calls(
            [{"name": f["name"], "arguments": arguments_for(f.get("parameters"), clues)} for f in functions]
        )
    elif role == "tool":
        cited = [] if conversation.structured else [u for r in conversation.runs for u in r.sources][:2]
        reply = Reply.text(stand_ins.results_text(conversation.messages), citations=cited)
    elif runs and not conversation.structured:
        answer, cited = stand_ins.search_answer(runs)
        reply = Reply.text(answer, citations=cited)
    elif conversation.format.get("type") == "json_schema":
        schema = conversation.format.get("schema") or {"type": "object"}
        reply = Reply.json(instance_for(schema, Clues.of(text)))
    elif (described := _described_schema(conversation)) is not None:
        reply = Reply.json(instance_for(described, Clues.of(text)))
    elif conversation.format.get("type") == "json_object":
        reply = Reply.json({"answer": stand_ins.voice(text, conversation.provider)})
    elif (quoted := prompt_reading.context_answer(conversation.messages)) is not None:
        reply = Reply.text(quoted)
    else:
        reply = Reply.text(stand_ins.voice(text, conversation.provider))
    return replace(reply, server_tools=runs) if runs else reply


def _described_schema(conversation: Conversation) -> dict[str, Any] | None:
    """The JSON shape the prompt's own words ask for (``json_mode``, text-completion programs)."""
    json_asked = conversation.format.get("type") == "json_object"
    prompt = "\n".join(message_text(m) for m in conversation.messages if m.get("role") != "assistant")
    return prompt_reading.described_schema(prompt, json_asked)


def _names_a_function(choice: Mapping[str, Any]) -> bool:
    return choice.get("type") == "function" or "function" in choice or "name" in choice


def _chosen_functions(conversation: Conversation) -> list[Mapping[str, Any]]:
    """The functions the stand-in calls (none for a text answer); see the module docstring."""
    functions = conversation.functions
    choice = conversation.tool_choice
    if not functions or choice == "none":
        return []
    done: set[str] = set()
    if conversation.last_role == "tool":
        for message in reversed(conversation.messages):
            if message.get("role") == "user":
                break
            for call in message.get("tool_calls") or ():
                if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping):
                    done.add(str(call["function"].get("name")))
    if isinstance(choice, Mapping) and _names_a_function(choice):
        inner = choice.get("function")
        wanted = inner.get("name") if isinstance(inner, Mapping) else choice.get("name")
        named = [f for f in functions if f["name"] == wanted] or [{"name": str(wanted)}]
        return [f for f in named if f["name"] not in done]
    # "auto", "required", or a server-side tool named: call what the message asks for
    clues = Clues.of(conversation.user_text, conversation.evidence)
    ranked = [c.function for c in tool_choice.rank(functions, conversation.user_text, clues)]
    matches = [f for f in ranked if f["name"] not in done]
    if not matches and choice == "required" and not done:
        matches = [f for f in functions if tool_choice.callable_now(f, clues)][:1] or functions[:1]
    return matches if conversation.parallel_tool_calls else matches[:1]


def _planned_searches(conversation: Conversation) -> tuple[ServerToolRun, ...]:
    """The searches the stand-in makes this turn (see the module docstring)."""
    if conversation.last_role != "user" or not conversation.search_tools:
        return ()
    choice, text = conversation.tool_choice, conversation.user_text
    forced: str | None = None
    if choice == "none":
        return ()
    if isinstance(choice, Mapping):
        if _names_a_function(choice):
            return ()
        forced = str(choice.get("type"))
    elif conversation.searched and choice != "required" and not _WANTS_SEARCH.search(text.lower()):
        return ()
    query = stand_ins.search_query(text)
    kinds = [kind for kind in conversation.search_tools if forced in (None, kind)]
    return tuple(ServerToolRun(kind, query, stand_ins.search_sources(kind, query)) for kind in kinds)
