"""LangChain messages to wire dicts, and wire answers back to LangChain messages.

This is the last step of the path a chunk of SSE takes: ``grok_transport.client`` sends,
``grok_transport.sse`` splits events, ``grok_transport.wire`` parses each one once into a
:class:`~grok_transport.wire.ChatCompletionChunk`, and :func:`chunk_to_message` here turns it
into an ``AIMessageChunk``. Nothing in this module does I/O.

Choices that differ from ``ChatXAI`` (see the anchor's defect list):

* an assistant turn with tool calls and no text is sent with ``"content": ""``, never ``null``;
* ``reasoning_content`` is read from the parsed answer whatever produced it (dicts included), and
  is put in ``additional_kwargs`` on invoke and on every stream delta;
* ``usage_metadata.output_tokens`` is visible completion plus reasoning (xAI's
  ``completion_tokens`` excludes reasoning) and ``total_tokens`` is always
  ``input_tokens + output_tokens``, which equals xAI's own ``total_tokens``;
* tool-call arguments that are not a JSON object become ``invalid_tool_calls``; ``""`` and
  ``"null"`` mean no arguments.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.block_translators.openai import convert_to_openai_data_block
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk

from grok_transport.ratelimit import RateLimitInfo
from grok_transport.wire import parse_arguments
from langchain_grok._blocks import PROVIDER

if TYPE_CHECKING:
    from langchain_core.messages.tool import InvalidToolCall
    from langchain_core.messages.tool import ToolCall as LCToolCall

    from grok_transport.wire import ChatCompletion, ChatCompletionChunk, ToolCall, Usage

__all__ = [
    "message_to_wire",
    "messages_to_wire",
    "completion_to_message",
    "chunk_to_message",
    "final_chunk",
    "usage_to_metadata",
    "response_metadata",
    "answer_metadata",
    "tool_calls",
]

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
_DATA_BLOCKS = frozenset({"image", "file", "audio"})
# v1 / provider blocks that describe the model's own output; they are never sent back as content.
_OUTPUT_ONLY = frozenset(
    {
        "reasoning",
        "thinking",
        "redacted_thinking",
        "tool_call",
        "tool_call_chunk",
        "tool_use",
        "invalid_tool_call",
        "server_tool_call",
        "server_tool_call_chunk",
        "server_tool_result",
    }
)


# -- LangChain → wire -----------------------------------------------------------------------


def _part(block: Any) -> dict[str, Any] | None:
    """One content part on the wire, or ``None`` for a block that is not input."""
    if isinstance(block, str):
        return {"type": "text", "text": block}
    kind = block.get("type")
    if kind == "text":
        return {"type": "text", "text": block["text"]}
    if kind == "image_url":  # OpenAI's shape: passes through, ``detail`` included
        image = block["image_url"]
        return {"type": "image_url", "image_url": image if isinstance(image, dict) else {"url": image}}
    if kind in _DATA_BLOCKS and ("source_type" in block or _is_v1_data(block)):
        part = convert_to_openai_data_block(block)
        detail = (block.get("extras") or block.get("metadata") or {}).get("detail")
        if detail and part.get("type") == "image_url":
            part["image_url"]["detail"] = detail
        return part
    if kind in _OUTPUT_ONLY:
        return None
    return dict(block)  # an API part this module does not know: the server decides


def _is_v1_data(block: dict[str, Any]) -> bool:
    return any(key in block for key in ("url", "base64", "file_id"))


def _parts(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    return [part for part in map(_part, content) if part is not None]


def _text(content: str | list[Any]) -> str:
    """The text of a message whose role takes only text (system, assistant, tool)."""
    if isinstance(content, str):
        return content
    return "".join(
        block if isinstance(block, str) else block.get("text", "")
        for block in content
        if isinstance(block, str) or block.get("type") == "text"
    )


def _wire_tool_call(call: LCToolCall | InvalidToolCall, arguments: str) -> dict[str, Any]:
    return {
        "id": call.get("id") or "",
        "type": "function",
        "function": {"name": call.get("name") or "", "arguments": arguments},
    }


def _assistant(message: AIMessage, responses: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "assistant", "content": _text(message.content)}
    if responses and (items := message.additional_kwargs.get("responses_output")):
        out["responses_output"] = items  # replayed verbatim by the transport (see _responses.py)
    calls = [_wire_tool_call(c, json.dumps(c["args"], ensure_ascii=False)) for c in message.tool_calls]
    # A call the model sent with broken JSON still needs its slot, or the tool message that
    # answers it refers to nothing; it goes back exactly as it came.
    calls += [_wire_tool_call(c, c.get("args") or "{}") for c in message.invalid_tool_calls]
    if calls:
        out["tool_calls"] = calls
    return out


def _tool_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    parts = _parts(content)
    if all(part.get("type") == "text" for part in parts):
        return "".join(part["text"] for part in parts)
    return parts


def message_to_wire(message: BaseMessage, *, responses: bool = False) -> dict[str, Any]:
    """One LangChain message as a chat-completions message dict.

    ``responses=True`` (the Responses-API path) also carries an earlier answer's raw output items.
    """
    if isinstance(message, HumanMessage):
        out: dict[str, Any] = {"role": "user", "content": _parts(message.content)}
    elif isinstance(message, AIMessage):
        out = _assistant(message, responses)
    elif isinstance(message, SystemMessage):
        out = {"role": "system", "content": _text(message.content)}
    elif isinstance(message, ToolMessage):
        return {
            "role": "tool",
            "content": _tool_content(message.content),
            "tool_call_id": message.tool_call_id,
        }
    elif isinstance(message, ChatMessage):
        role = _ROLES.get(message.role, message.role)
        out = {"role": role, "content": _parts(message.content)}
    elif isinstance(message, FunctionMessage):
        return {"role": "function", "name": message.name, "content": _text(message.content)}
    else:
        raise TypeError(f"Cannot send a {type(message).__name__} to Grok.")
    if message.name:
        out["name"] = message.name
    return out


def messages_to_wire(messages: Sequence[BaseMessage], *, responses: bool = False) -> list[dict[str, Any]]:
    """A conversation as chat-completions message dicts."""
    return [message_to_wire(m, responses=responses) for m in messages]


# -- wire → LangChain -----------------------------------------------------------------------


def usage_to_metadata(usage: Usage) -> UsageMetadata:
    """Usage as LangChain reports it: ``total == input + output``, reasoning counted in output."""
    input_tokens = usage.input_tokens
    output_tokens = usage.output_tokens
    metadata = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )
    raw = usage.raw
    if raw.get("prompt_tokens_details") is not None or raw.get("input_tokens_details") is not None:
        metadata["input_token_details"] = InputTokenDetails(cache_read=usage.cached_tokens)
    if raw.get("completion_tokens_details") is not None or raw.get("output_tokens_details") is not None:
        metadata["output_token_details"] = OutputTokenDetails(reasoning=usage.reasoning_tokens)
    return metadata


def tool_calls(calls: list[ToolCall]) -> tuple[list[LCToolCall], list[InvalidToolCall]]:
    """Parsed tool calls, and those whose arguments are not a JSON object."""
    valid: list[LCToolCall] = []
    invalid: list[InvalidToolCall] = []
    for call in calls:
        try:
            args = parse_arguments(call.arguments)
        except ValueError as error:  # JSONDecodeError included
            invalid.append(
                invalid_tool_call(name=call.name, args=call.arguments, id=call.id or None, error=str(error))
            )
        else:
            valid.append(tool_call(name=call.name, args=args, id=call.id or None))
    return valid, invalid


def answer_metadata(
    *,
    model: str,
    response_id: str,
    finish_reason: str | None,
    usage: Usage | None,
    headers: dict[str, str],
    include_headers: bool,
) -> dict[str, Any]:
    """The ``response_metadata`` keys both APIs share (ChatXAI's, plus xAI's cost and headers)."""
    metadata: dict[str, Any] = {"model_provider": PROVIDER, "model_name": model}
    if response_id:
        metadata["id"] = response_id
    if finish_reason:
        metadata["finish_reason"] = finish_reason
    if usage is not None:
        metadata["token_usage"] = usage.raw
        if usage.cost_in_usd_ticks is not None:
            metadata["cost_in_usd_ticks"] = usage.cost_in_usd_ticks
    if include_headers and headers:
        metadata["headers"] = dict(headers)
        limits = RateLimitInfo.from_headers(headers)
        if limits is not None:
            metadata["rate_limits"] = limits.as_dict()
    return metadata


def response_metadata(
    completion: ChatCompletion, *, include_headers: bool, finish_reason: bool = True
) -> dict[str, Any]:
    """A chat completion's ``response_metadata``: the shared keys, fingerprint, logprobs, tier."""
    metadata = answer_metadata(
        model=completion.model,
        response_id=completion.id,
        finish_reason=completion.finish_reason if finish_reason else None,
        usage=completion.usage,
        headers=completion.headers,
        include_headers=include_headers,
    )
    if completion.system_fingerprint:
        metadata["system_fingerprint"] = completion.system_fingerprint
    if completion.logprobs is not None:
        metadata["logprobs"] = completion.logprobs
    service_tier = completion.raw.get("service_tier")
    if service_tier:
        metadata["service_tier"] = service_tier
    return metadata


def completion_to_message(completion: ChatCompletion, *, include_headers: bool = False) -> AIMessage:
    """A whole answer as an ``AIMessage``."""
    additional: dict[str, Any] = {}
    if completion.reasoning_content:
        additional["reasoning_content"] = completion.reasoning_content
    if completion.refusal:
        additional["refusal"] = completion.refusal
    if completion.citations:
        additional["citations"] = completion.citations
    valid, invalid = tool_calls(completion.tool_calls)
    return AIMessage(
        content=completion.content or "",
        additional_kwargs=additional,
        tool_calls=valid,
        invalid_tool_calls=invalid,
        usage_metadata=usage_to_metadata(completion.usage) if completion.usage else None,
        response_metadata=response_metadata(completion, include_headers=include_headers),
    )


_DELTA = AIMessageChunk(content="")
"""Copied (``model_copy``) for each text or reasoning delta: a third cheaper than validating a
new message, and safe because every field that differs, or is mutable, is replaced."""


def chunk_to_message(chunk: ChatCompletionChunk, seen_calls: set[int]) -> AIMessageChunk | None:
    """One stream delta as an ``AIMessageChunk``, or ``None`` when it carries nothing.

    ``seen_calls`` (owned by the caller, one per stream) holds the tool-call indexes already
    announced: a proxy that repeats the call's name and id in every fragment would otherwise
    have them concatenated when LangChain adds the chunks up.
    """
    delta = chunk.delta
    if delta is None:  # the trailing ``choices: []`` usage chunk; see final_chunk
        return None
    if not delta.tool_calls and chunk.finish_reason is None and chunk.logprobs is None:
        # The hot path, once per token: a piece of text or of reasoning, nothing else.
        if not (delta.content or delta.reasoning_content):
            return None
        return _DELTA.model_copy(
            update={
                "content": delta.content or "",
                "additional_kwargs": (
                    {"reasoning_content": delta.reasoning_content} if delta.reasoning_content else {}
                ),
                "response_metadata": {"model_provider": PROVIDER},
                "tool_calls": [],
                "invalid_tool_calls": [],
                "tool_call_chunks": [],
            }
        )
    calls: list[Any] = []
    for position, call in enumerate(delta.tool_calls or ()):
        index = call.index if call.index is not None else position
        first = index not in seen_calls
        seen_calls.add(index)
        calls.append(
            tool_call_chunk(
                name=(call.name or None) if first else None,
                args=call.arguments,
                id=(call.id or None) if first else None,
                index=index,
            )
        )
    metadata: dict[str, Any] = {"model_provider": PROVIDER}
    if chunk.finish_reason:
        metadata["finish_reason"] = chunk.finish_reason
    if chunk.logprobs is not None:
        metadata["logprobs"] = chunk.logprobs
    return AIMessageChunk(
        content=delta.content or "",
        additional_kwargs={"reasoning_content": delta.reasoning_content} if delta.reasoning_content else {},
        tool_call_chunks=calls,
        response_metadata=metadata,
    )


def final_chunk(completion: ChatCompletion, *, include_headers: bool = False) -> AIMessageChunk:
    """The closing chunk: usage and the answer-wide metadata, sent once so nothing is doubled.

    LangChain adds chunks up by concatenating strings, so ``model_name``, ``id`` and
    ``system_fingerprint`` appear only here; ``finish_reason`` came with the delta that carried it.
    """
    return AIMessageChunk(
        content="",
        usage_metadata=usage_to_metadata(completion.usage) if completion.usage else None,
        response_metadata=response_metadata(completion, include_headers=include_headers, finish_reason=False),
        chunk_position="last",
    )
