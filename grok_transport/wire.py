"""Wire types: what a Grok-compatible server answers, parsed once into plain objects.

These are slotted dataclasses built by hand from the decoded JSON rather than pydantic models:
a stream of 2,000 chunks parses each one on the hot path, and a hand-written ``from_dict`` that
touches only the keys present costs a fraction of a validation pass. The untouched JSON stays in
``raw`` for anyone who needs a field the types do not name.

Semantics follow the recordings (WIRE_FACTS §3-§4), not OpenAI's documentation:

* ``completion_tokens`` excludes reasoning; ``total_tokens`` includes it. :class:`Usage` keeps
  both and names the sum the frameworks want (``output_tokens``).
* Non-streamed tool calls have no ``index``; streamed ones do, and arrive whole.
* ``content`` may be ``""`` next to tool calls, ``reasoning_content`` may be absent even when
  reasoning tokens were spent.
* The response ``model`` may differ from the requested one (aliases resolve server-side).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Usage",
    "ToolCall",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChunkDelta",
    "parse_arguments",
    "TICKS_PER_USD",
]

TICKS_PER_USD = 10_000_000_000
"""xAI bills in ticks: one US dollar is 10^10 ticks (``cost_in_usd_ticks``)."""


def parse_arguments(arguments: str | dict[str, Any] | None) -> dict[str, Any]:
    """Decode tool-call arguments; ``""``, ``"null"`` and ``None`` mean no arguments.

    Raises ``ValueError`` for text that is not a JSON object, so callers can report it as an
    invalid tool call instead of guessing.
    """
    if isinstance(arguments, dict):
        return arguments
    if arguments is None or not arguments.strip() or arguments.strip() == "null":
        return {}
    value = json.loads(arguments)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"tool arguments are JSON but not an object: {arguments!r}")
    return value


@dataclass(slots=True)
class Usage:
    """Token accounting for one answer, with xAI's extras.

    ``output_tokens`` is visible completion plus reasoning, so that
    ``input_tokens + output_tokens == total_tokens`` holds as xAI counts its total.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    image_tokens: int = 0
    total_tokens: int = 0
    cost_in_usd_ticks: int | None = None
    num_sources_used: int | None = None
    num_server_side_tools_used: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Usage:
        """Read a chat-completions ``usage`` object (or a Responses-API one)."""
        prompt = data.get("prompt_tokens", data.get("input_tokens")) or 0
        completion_details = data.get("completion_tokens_details") or data.get("output_tokens_details") or {}
        prompt_details = data.get("prompt_tokens_details") or data.get("input_tokens_details") or {}
        reasoning = completion_details.get("reasoning_tokens") or 0
        if "completion_tokens" in data:
            completion = data["completion_tokens"] or 0
        else:  # Responses API: output_tokens already includes reasoning
            completion = max(0, (data.get("output_tokens") or 0) - reasoning)
        total = data.get("total_tokens") or (prompt + completion + reasoning)
        return cls(
            prompt_tokens=prompt,
            completion_tokens=completion,
            reasoning_tokens=reasoning,
            cached_tokens=prompt_details.get("cached_tokens") or 0,
            image_tokens=prompt_details.get("image_tokens") or 0,
            total_tokens=total,
            cost_in_usd_ticks=data.get("cost_in_usd_ticks"),
            num_sources_used=data.get("num_sources_used"),
            num_server_side_tools_used=data.get("num_server_side_tools_used"),
            raw=data,
        )

    @property
    def input_tokens(self) -> int:
        """Prompt tokens, cached ones included."""
        return self.prompt_tokens

    @property
    def output_tokens(self) -> int:
        """Visible completion plus hidden reasoning: what the model generated and billed."""
        return self.completion_tokens + self.reasoning_tokens

    @property
    def cost_usd(self) -> float | None:
        """The cost the server reported, in US dollars (``None`` when it reported none)."""
        if self.cost_in_usd_ticks is None:
            return None
        return self.cost_in_usd_ticks / TICKS_PER_USD


@dataclass(slots=True)
class ToolCall:
    """One function call the model asked for. ``arguments`` is the JSON text as sent."""

    id: str
    name: str
    arguments: str
    index: int | None = None
    type: str = "function"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ToolCall:
        """Read a tool call (streamed or not)."""
        function = data.get("function") or {}
        arguments = function.get("arguments")
        if isinstance(arguments, dict):  # a few proxies send an object instead of a string
            arguments = json.dumps(arguments, ensure_ascii=False)
        return cls(
            id=data.get("id") or "",
            name=function.get("name") or "",
            arguments=arguments or "",
            index=data.get("index"),
            type=data.get("type") or "function",
        )

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as a dict (raises ``ValueError`` if they are not a JSON object)."""
        return parse_arguments(self.arguments)

    def to_dict(self) -> dict[str, Any]:
        """The OpenAI wire form, as an assistant message sends it back."""
        return {
            "id": self.id,
            "type": self.type,
            "function": {"name": self.name, "arguments": self.arguments or "{}"},
        }


@dataclass(slots=True)
class ChatCompletion:
    """One whole answer (choice 0), non-streamed or accumulated from a stream."""

    id: str = ""
    model: str = ""
    created: int | None = None
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None
    system_fingerprint: str | None = None
    refusal: str | None = None
    logprobs: Any = None
    citations: list[Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    """Response headers (lower-case names), for rate limits and request ids."""

    @classmethod
    def from_dict(cls, data: dict[str, Any], headers: dict[str, str] | None = None) -> ChatCompletion:
        """Read a ``chat.completion`` body."""
        choices = data.get("choices") or [{}]
        choice = choices[0]
        message = choice.get("message") or {}
        usage = data.get("usage")
        return cls(
            id=data.get("id") or "",
            model=data.get("model") or "",
            created=data.get("created"),
            content=message.get("content"),
            reasoning_content=message.get("reasoning_content"),
            tool_calls=[ToolCall.from_dict(tc) for tc in message.get("tool_calls") or ()],
            finish_reason=choice.get("finish_reason"),
            usage=Usage.from_dict(usage) if usage else None,
            system_fingerprint=data.get("system_fingerprint"),
            refusal=message.get("refusal"),
            logprobs=choice.get("logprobs"),
            citations=data.get("citations"),
            raw=data,
            headers=headers or {},
        )

    @property
    def request_id(self) -> str | None:
        """The server's ``X-Request-Id``, when it sent one."""
        return self.headers.get("x-request-id")


@dataclass(slots=True)
class ChunkDelta:
    """What one stream chunk adds to choice 0."""

    role: str | None = None
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] | None = None


@dataclass(slots=True)
class ChatCompletionChunk:
    """One ``chat.completion.chunk`` event.

    ``delta`` is ``None`` for the trailing ``choices: []`` usage chunk.
    """

    id: str
    model: str
    delta: ChunkDelta | None
    finish_reason: str | None
    usage: Usage | None
    system_fingerprint: str | None
    created: int | None
    raw: dict[str, Any]
    logprobs: Any = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChatCompletionChunk:
        """Read one decoded SSE ``data:`` payload."""
        choices = data.get("choices")
        delta = finish = logprobs = None
        if choices:
            choice = choices[0]
            d = choice.get("delta") or {}
            calls = d.get("tool_calls")
            delta = ChunkDelta(
                d.get("role"),
                d.get("content"),
                d.get("reasoning_content"),
                [ToolCall.from_dict(tc) for tc in calls] if calls else None,
            )
            finish = choice.get("finish_reason")
            logprobs = choice.get("logprobs")
        usage = data.get("usage")
        return cls(
            data.get("id") or "",
            data.get("model") or "",
            delta,
            finish,
            Usage.from_dict(usage) if usage else None,
            data.get("system_fingerprint"),
            data.get("created"),
            data,
            logprobs,
        )
