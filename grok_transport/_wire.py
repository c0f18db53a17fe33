"""Wire types: what a Grok-compatible server answers, parsed once into plain objects.

These are slotted dataclasses built by hand from the decoded JSON rather than pydantic models:
a stream of 2,000 chunks parses each one on the hot path, and a hand-written ``from_dict`` that
touches only the keys present costs a fraction of a validation pass. The untouched JSON stays in
``raw`` for anyone who needs a field the types do not name.

Semantics follow the recordings (docs/wire.md, "Chat response" and "Streaming"), not OpenAI's documentation:

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

__all__ = ["Usage", "ToolCall", "parse_arguments", "TICKS_PER_USD"]

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
