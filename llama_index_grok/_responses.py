"""Responses-API answers (``POST /v1/responses``) as LlamaIndex ``ChatResponse``s.

The chat-completions twin of this module is :mod:`llama_index_grok._convert`; the outgoing side
is shared (``to_wire_messages(..., replay_output=True)``, then the transport builds ``input``
items). What a Responses answer has that a chat completion has not, and where it lands:

* citations: ``message.additional_kwargs["citations"]`` (dicts: ``url``, ``title``,
  ``start_index``, ``end_index``; the indices are into the message text) and one
  ``CitationBlock`` per citation after the ``TextBlock``, which is how core's agents and
  Anthropic's integration surface sources. xAI sends no quoted source text, so the block's
  ``cited_content`` is the span of the answer the annotation covers (usually the ``[[1]](url)``
  marker) and ``additional_location_info`` holds the two indices. ``message.content`` is
  unchanged: it reads the ``TextBlock`` only;
* server-side tool runs (web search, X search, code execution):
  ``message.additional_kwargs["server_tool_calls"]`` (dicts: ``id``, ``type``, ``name``,
  ``status``, ``query``, ``sources``, and ``code`` / ``outputs`` for code execution), streamed
  as each run finishes;
* ``message.additional_kwargs["response_id"]`` (for ``previous_response_id``) and
  ``["responses_output"]``: the raw output items, encrypted reasoning included, which the next
  turn replays verbatim, so a conversation continues with ``store=False``;
* usage: ``raw`` is the response object (``raw["usage"]`` is what ``TokenCountingHandler``
  reads; there ``output_tokens`` includes reasoning), and ``ChatResponse.additional_kwargs``
  carries the same counts under the chat-completions names plus ``num_server_side_tools_used``
  and ``num_sources_used``.

Streaming yields on a text delta (accumulated text, ``delta``), on a reasoning-summary delta (a
growing ``ThinkingBlock``, the piece in ``additional_kwargs["thinking_delta"]``), when a
function call or a server-side tool run is done, and once more on ``response.completed`` with
everything above and the usage. Other events (created, in-progress, part boundaries, argument
deltas) yield nothing.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CitationBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from grok_transport.responses import Citation, Response, ResponseEvent
from grok_transport.wire import Usage
from llama_index_grok._convert import _built, _thinking, _tool_call_block, tool_call_dict, usage_kwargs

__all__ = ["response_to_chat", "ResponseStreamState"]

_FINAL_EVENTS = frozenset({"response.completed", "response.incomplete"})


def _citation_block(citation: Citation, text: str) -> CitationBlock:
    start, end = citation.start_index, citation.end_index
    location = {}
    if start is not None:
        location["start_index"] = start
    if end is not None:
        location["end_index"] = end
    span = text[start:end] if start is not None and end is not None else ""
    return CitationBlock(
        cited_content=TextBlock(text=span),
        source=citation.url,
        title=citation.title or citation.url,
        additional_location_info=location,
    )


def responses_usage_kwargs(usage: Usage) -> dict[str, Any]:
    """Token counts under the chat-completions names, plus the server-side tool counts."""
    counts = usage_kwargs(usage)
    if usage.num_server_side_tools_used is not None:
        counts["num_server_side_tools_used"] = usage.num_server_side_tools_used
    if usage.num_sources_used is not None:
        counts["num_sources_used"] = usage.num_sources_used
    return counts


def _final_message(response: Response) -> ChatMessage:
    blocks: list[Any] = []
    if response.reasoning:
        num_tokens = response.usage.reasoning_tokens if response.usage else None
        blocks.append(ThinkingBlock(content=response.reasoning, num_tokens=num_tokens))
    blocks.append(TextBlock(text=response.text))
    blocks.extend(_citation_block(c, response.text) for c in response.citations)
    blocks.extend(_tool_call_block(c) for c in response.tool_calls)
    extra: dict[str, Any] = {}
    if response.tool_calls:
        extra["tool_calls"] = [tool_call_dict(c) for c in response.tool_calls]
    if response.citations:
        extra["citations"] = [c.as_dict() for c in response.citations]
    if response.server_tool_calls:
        extra["server_tool_calls"] = [c.as_dict() for c in response.server_tool_calls]
    if response.id:
        extra["response_id"] = response.id
    if response.output:
        extra["responses_output"] = response.output
    return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs=extra)


def response_to_chat(response: Response, delta: str | None = None) -> ChatResponse:
    """A whole Responses answer as a ``ChatResponse``; ``raw`` is the response object."""
    return ChatResponse(
        message=_final_message(response),
        raw=response.raw,
        delta=delta,
        additional_kwargs=responses_usage_kwargs(response.usage) if response.usage else {},
    )


class ResponseStreamState:
    """Turns Responses events into accumulated ``ChatResponse``s (see the module docstring).

    Text and reasoning are accumulated by concatenation; the rare item-done events re-read the
    calls from the stream's own accumulator, and the last response is built from the final
    ``Response`` itself, so it is exactly what the non-streamed call returns.
    """

    __slots__ = ("content", "reasoning", "thinking", "tool_blocks", "extra")

    def __init__(self) -> None:
        self.content = ""
        self.reasoning = ""
        self.thinking: ThinkingBlock | None = None
        self.tool_blocks: list[ToolCallBlock] = []
        self.extra: dict[str, Any] = {}

    def update(self, event: ResponseEvent, stream: Any) -> ChatResponse | None:
        """The response for ``event``, or ``None`` when it adds nothing a user sees."""
        kind = event.type
        if kind == "response.output_text.delta":
            text = event.delta
            self.content += text
            return self._chunk(event.data, text, {})
        if kind == "response.reasoning_summary_text.delta":
            piece = event.delta
            self.reasoning += piece
            self.thinking = _thinking(self.reasoning, None)
            return self._chunk(event.data, "", {"thinking_delta": piece})
        if kind == "response.output_item.done":
            item_type = (event.data.get("item") or {}).get("type") or ""
            if item_type == "function_call":
                calls = stream.response.tool_calls
                self.tool_blocks = [_tool_call_block(c) for c in calls]
                self.extra = {**self.extra, "tool_calls": [tool_call_dict(c) for c in calls]}
                return self._chunk(event.data, "", {})
            if item_type.endswith("_call"):
                runs = stream.response.server_tool_calls
                self.extra = {**self.extra, "server_tool_calls": [c.as_dict() for c in runs]}
                return self._chunk(event.data, "", {})
            return None
        if kind in _FINAL_EVENTS:
            return response_to_chat(stream.response, delta="")
        return None

    def _chunk(self, raw: dict[str, Any], delta: str, additional: dict[str, Any]) -> ChatResponse:
        blocks: list[Any] = []
        if self.thinking is not None:
            blocks.append(self.thinking)
        blocks.append(_built(TextBlock, {"block_type": "text", "text": self.content}))
        blocks.extend(self.tool_blocks)
        message = _built(
            ChatMessage,
            {"role": MessageRole.ASSISTANT, "additional_kwargs": dict(self.extra), "blocks": blocks},
        )
        return _built(
            ChatResponse,
            {
                "message": message,
                "raw": raw,
                "delta": delta,
                "logprobs": None,
                "additional_kwargs": additional,
            },
        )
