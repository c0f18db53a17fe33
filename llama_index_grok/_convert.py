"""LlamaIndex types in, wire dicts out; wire types in, LlamaIndex responses out.

This is the last step of the path a reader follows from the socket to a framework object:
``grok_transport/client.py`` → ``sse.py`` → ``wire.py`` → here. Nothing in this module does I/O.

Outgoing (``ChatMessage`` → OpenAI-compatible message dicts):

* Every ``MessageRole`` is mapped explicitly. A tool message stays a tool message (never a user
  message); ``developer`` becomes ``system`` (xAI takes system, user, assistant, tool);
  Cohere's ``chatbot`` and Gemini's ``model`` are assistants.
* Images go out as ``image_url`` parts, from a URL, inline bytes or a path. An image inside a
  *tool result* is not dropped (OpenAI's integration drops it): the tool message carries the
  text and names the image, and the image itself follows, after the run of tool messages, in a
  user message, because a tool message takes text only and a user message between two tool
  results would break their pairing with the assistant's calls.
* An assistant's ``ToolCallBlock``s become ``tool_calls`` (JSON-string arguments); the legacy
  ``additional_kwargs["tool_calls"]`` is used only when there are no blocks, so an agent's
  stored turn (which carries both) never sends a call twice. A ``ThinkingBlock`` goes back as
  ``reasoning_content``, which xAI accepts on assistant turns.
* Only the ``additional_kwargs`` keys that mean something on the wire are read
  (``tool_call_id``, ``tool_calls``, ``reasoning_content``, and for the Responses API
  ``responses_output``); core merges token counts and other bookkeeping into that dict, and
  those must not reach the server.
* An answer from the Responses API carries its raw output items in
  ``additional_kwargs["responses_output"]``; on that path (``replay_output=True``) they go back
  with the assistant message, so the transport replays them verbatim (reasoning, searches and
  all). Its ``CitationBlock``s mark spans of its own text, so they are not sent again as text.

Incoming (``ChatCompletion`` / chunks → ``ChatResponse``):

* ``message.blocks`` is ``[ThinkingBlock?, TextBlock, ToolCallBlock...]``; tool calls are also
  in ``message.additional_kwargs["tool_calls"]`` as plain dicts, which core's streaming
  structured output reads.
* ``raw`` is the response (or chunk) JSON as a dict, so ``TokenCountingHandler`` finds
  ``raw["usage"]``; token counts are also in ``additional_kwargs``.
* Streamed responses carry the accumulated text and the ``delta``; reasoning accumulates in the
  ``ThinkingBlock`` and its new piece is in ``additional_kwargs["thinking_delta"]``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from io import IOBase
from typing import Any

from llama_index.core.base.llms.types import (
    CachePoint,
    ChatMessage,
    ChatResponse,
    CitableBlock,
    CitationBlock,
    DocumentBlock,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from grok_transport.content import data_url, image_part
from grok_transport.errors import InvalidParameterError
from grok_transport.wire import ChatCompletion, ChatCompletionChunk, ToolCall, Usage

__all__ = [
    "to_wire_messages",
    "completion_to_response",
    "usage_kwargs",
    "tool_call_dict",
    "legacy_tool_call",
    "StreamState",
]

_ROLES: dict[MessageRole, str] = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "system",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
    MessageRole.TOOL: "tool",
    MessageRole.FUNCTION: "tool",
}
_TEXT_DOCUMENT_TYPES = ("text/", "application/json", "application/xml", "application/x-yaml")


# -- outgoing -------------------------------------------------------------------------------------


def _image_to_part(block: ImageBlock) -> dict[str, Any]:
    """An ``image_url`` part; a remote URL is passed on, anything else is inlined."""
    if block.url is not None:
        return image_part(url=str(block.url), detail=block.detail)
    if block.image is not None:
        image = block.image
        if isinstance(image, IOBase):
            image.seek(0)
            image = base64.b64encode(image.read())
        # ImageBlock's validator has already stored bytes as base64.
        b64 = image.decode("ascii") if isinstance(image, bytes) else str(image)
        return image_part(url=data_url(b64, block.image_mimetype), detail=block.detail)
    if block.path is not None:
        return image_part(path=block.path, mime_type=block.image_mimetype, detail=block.detail)
    raise InvalidParameterError("An ImageBlock needs a url, image bytes or a path.")


def _document_text(block: DocumentBlock) -> str:
    """Text documents are inlined; Grok's chat completions take no other file type."""
    mimetype = block.document_mimetype or ""
    if not mimetype.startswith(_TEXT_DOCUMENT_TYPES):
        raise InvalidParameterError(
            f"Grok chat completions cannot take a {mimetype or 'binary'} DocumentBlock; "
            "extract its text first (only text documents are inlined)."
        )
    data = block.resolve_document().read()  # decoded bytes, from data, path or url
    return f"{block.title}:\n{data.decode('utf-8', errors='replace')}"


def _parts(blocks: Sequence[Any], role: str) -> tuple[list[dict[str, Any]], bool]:
    """Text and image parts of a message's visible content, and whether any is an image."""
    parts: list[dict[str, Any]] = []
    has_image = False
    for block in blocks:
        if isinstance(block, TextBlock):
            parts.append({"type": "text", "text": block.text})
        elif isinstance(block, ImageBlock):
            parts.append(_image_to_part(block))
            has_image = True
        elif isinstance(block, (ThinkingBlock, ToolCallBlock)):
            continue  # sent as reasoning_content / tool_calls by the caller
        elif isinstance(block, CitableBlock):
            nested, image = _parts(block.content, role)
            parts.extend(nested)
            has_image = has_image or image
        elif isinstance(block, CitationBlock):
            nested, image = _parts([block.cited_content], role)
            parts.extend(nested)
            has_image = has_image or image
        elif isinstance(block, DocumentBlock):
            parts.append({"type": "text", "text": _document_text(block)})
        elif isinstance(block, CachePoint):
            continue  # xAI caches prompts by itself; there is no marker to send
        else:
            raise InvalidParameterError(
                f"Grok chat completions cannot take a {type(block).__name__} in a {role} message."
            )
    return parts, has_image


def _text_of(parts: list[dict[str, Any]]) -> str:
    return "\n".join(p["text"] for p in parts if p["type"] == "text")


def _arguments_json(kwargs: dict[str, Any] | str) -> str:
    return kwargs if isinstance(kwargs, str) else json.dumps(kwargs, ensure_ascii=False)


def legacy_tool_call(call: Any) -> dict[str, Any]:
    """A tool call from ``additional_kwargs`` (a dict, or an OpenAI SDK object) in wire form."""
    if not isinstance(call, dict):
        call = call.model_dump() if hasattr(call, "model_dump") else dict(call)
    function = call.get("function") or {}
    arguments = function.get("arguments")
    return {
        "id": call.get("id") or "",
        "type": "function",
        "function": {
            "name": function.get("name") or "",
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments or {}),
        },
    }


def _cites_own_text(block: Any, blocks: Sequence[Any]) -> bool:
    """Whether ``block`` is a citation of a span of the message's own text (a Grok answer's)."""
    if not isinstance(block, CitationBlock):
        return False
    cited = block.cited_content
    if not isinstance(cited, TextBlock):
        return False
    return any(isinstance(b, TextBlock) and cited.text in b.text for b in blocks)


def _assistant(message: ChatMessage, replay_output: bool) -> dict[str, Any]:
    blocks = message.blocks
    calls = [
        {
            "id": b.tool_call_id or "",
            "type": "function",
            "function": {"name": b.tool_name, "arguments": _arguments_json(b.tool_kwargs)},
        }
        for b in blocks
        if isinstance(b, ToolCallBlock)
    ]
    if not calls and message.additional_kwargs.get("tool_calls"):
        calls = [legacy_tool_call(c) for c in message.additional_kwargs["tool_calls"]]
    reasoning = "".join(b.content or "" for b in blocks if isinstance(b, ThinkingBlock))
    reasoning = reasoning or message.additional_kwargs.get("reasoning_content") or ""
    if any(isinstance(b, CitationBlock) for b in blocks):
        blocks = [b for b in blocks if not _cites_own_text(b, blocks)]
    parts, _ = _parts(blocks, "assistant")
    out: dict[str, Any] = {"role": "assistant", "content": _text_of(parts)}
    if calls:
        out["tool_calls"] = calls
    if reasoning:
        out["reasoning_content"] = reasoning
    if replay_output:
        output = message.additional_kwargs.get("responses_output")
        if output:
            out["responses_output"] = output
    return out


def _tool(message: ChatMessage, pending_images: list[dict[str, Any]]) -> dict[str, Any]:
    parts, has_image = _parts(message.blocks, "tool")
    text = _text_of(parts)
    call_id = message.additional_kwargs.get("tool_call_id")
    if has_image:
        images = [p for p in parts if p["type"] == "image_url"]
        remote = [p["image_url"]["url"] for p in images if not p["image_url"]["url"].startswith("data:")]
        note = f"[{len(images)} image(s) returned; attached in the next message"
        note += f": {', '.join(remote)}]" if remote else "]"
        text = f"{text}\n{note}" if text else note
        source = f"tool call {call_id}" if call_id else "the tool"
        pending_images.append({"type": "text", "text": f"Attached output of {source}:"})
        pending_images.extend(images)
    out: dict[str, Any] = {"role": "tool", "content": text}
    if call_id:
        out["tool_call_id"] = call_id
    return out


def to_wire_messages(messages: Sequence[ChatMessage], *, replay_output: bool = False) -> list[dict[str, Any]]:
    """Convert a LlamaIndex conversation to chat-completions ``messages``.

    The common case (one text block per message) takes a fast path: one dict per message.
    ``replay_output`` (the Responses API path) keeps an assistant's ``responses_output``, which
    chat completions would refuse.
    """
    out: list[dict[str, Any]] = []
    pending_images: list[dict[str, Any]] = []
    for message in messages:
        role = _ROLES.get(message.role)
        if role is None:
            raise InvalidParameterError(f"Unsupported message role {message.role!r}.")
        if pending_images and role != "tool":
            out.append({"role": "user", "content": pending_images})
            pending_images = []
        blocks = message.blocks
        if role == "assistant":
            out.append(_assistant(message, replay_output))
        elif role == "tool":
            out.append(_tool(message, pending_images))
        elif len(blocks) == 1 and isinstance(blocks[0], TextBlock):
            out.append({"role": role, "content": blocks[0].text})
        else:
            parts, has_image = _parts(blocks, role)
            if has_image and role == "user":
                out.append({"role": role, "content": parts})
            elif has_image:
                raise InvalidParameterError(f"Images can be sent in user or tool messages, not {role}.")
            else:
                out.append({"role": role, "content": _text_of(parts)})
    if pending_images:
        out.append({"role": "user", "content": pending_images})
    return out


# -- incoming -------------------------------------------------------------------------------------


_new = object.__new__
_set = object.__setattr__


def _built(cls: type[Any], fields: dict[str, Any]) -> Any:
    """A pydantic model instance from already-valid, *complete* field values.

    Streaming builds three models per chunk, and both validation and pydantic's
    ``model_construct`` (which walks every field's default) cost more per chunk than the
    transport's whole parse. The values here come from parsed wire data and carry every field,
    so this sets exactly the four slots ``model_construct`` would set, and nothing else. Models
    with private attributes (none of these today) fall back to ``model_construct``.
    """
    if cls.__private_attributes__:
        return cls.model_construct(**fields)
    obj = _new(cls)
    _set(obj, "__dict__", fields)
    _set(obj, "__pydantic_fields_set__", set(fields))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def usage_kwargs(usage: Usage) -> dict[str, Any]:
    """Token counts for ``ChatResponse.additional_kwargs``, named as xAI reports them.

    ``completion_tokens`` excludes reasoning and ``total_tokens`` includes it, exactly as on the
    wire (and in ``raw["usage"]``); ``reasoning_tokens`` is the difference.
    """
    counts: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "cached_tokens": usage.cached_tokens,
    }
    if usage.cost_in_usd_ticks is not None:
        counts["cost_in_usd_ticks"] = usage.cost_in_usd_ticks
    return counts


def tool_call_dict(call: ToolCall) -> dict[str, Any]:
    """A tool call as the plain OpenAI-style dict core reads from ``additional_kwargs``."""
    return {
        "id": call.id,
        "type": call.type,
        "function": {"name": call.name, "arguments": call.arguments},
    }


def _tool_call_block(call: ToolCall) -> ToolCallBlock:
    try:
        kwargs: dict[str, Any] | str = call.parsed_arguments()
    except ValueError:  # partial JSON from a fragmenting proxy; parsed leniently on read
        kwargs = call.arguments
    return _built(
        ToolCallBlock,
        {"block_type": "tool_call", "tool_call_id": call.id, "tool_name": call.name, "tool_kwargs": kwargs},
    )


def _message(
    content: str | None,
    reasoning: ThinkingBlock | None,
    tool_blocks: list[ToolCallBlock],
    tool_dicts: list[dict[str, Any]],
) -> ChatMessage:
    blocks: list[Any] = []
    if reasoning is not None:
        blocks.append(reasoning)
    if content is not None:
        blocks.append(_built(TextBlock, {"block_type": "text", "text": content}))
    if tool_blocks:
        blocks.extend(tool_blocks)
    return _built(
        ChatMessage,
        {
            "role": MessageRole.ASSISTANT,
            "additional_kwargs": {"tool_calls": tool_dicts} if tool_dicts else {},
            "blocks": blocks,
        },
    )


def _thinking(content: str, num_tokens: int | None) -> ThinkingBlock:
    return _built(
        ThinkingBlock,
        {
            "block_type": "thinking",
            "content": content,
            "num_tokens": num_tokens,
            "additional_information": {},
        },
    )


def completion_to_response(completion: ChatCompletion) -> ChatResponse:
    """A whole answer as a ``ChatResponse``; ``raw`` is the response JSON."""
    reasoning = None
    if completion.reasoning_content:
        reasoning = ThinkingBlock(
            content=completion.reasoning_content,
            num_tokens=completion.usage.reasoning_tokens if completion.usage else None,
        )
    calls = completion.tool_calls
    message = _message(
        completion.content,
        reasoning,
        [_tool_call_block(c) for c in calls],
        [tool_call_dict(c) for c in calls],
    )
    return ChatResponse(
        message=message,
        raw=completion.raw,
        additional_kwargs=usage_kwargs(completion.usage) if completion.usage else {},
    )


class StreamState:
    """Turns chunks into accumulated ``ChatResponse``s, doing as little as possible per chunk.

    Text and reasoning are accumulated here by string concatenation; tool calls, which arrive
    whole and rarely, are re-read from the stream's own accumulator only on the chunks that
    carry them. A chunk that adds nothing (xAI's empty ``delta: {}`` while reasoning is
    hidden, the finish chunk after an answer) yields nothing; the trailing usage chunk yields a
    response with an empty ``delta``, so usage is on the last response.
    """

    __slots__ = ("content", "reasoning", "thinking", "tool_blocks", "tool_dicts")

    def __init__(self) -> None:
        self.content = ""
        self.reasoning = ""
        self.thinking: ThinkingBlock | None = None
        self.tool_blocks: list[ToolCallBlock] = []
        self.tool_dicts: list[dict[str, Any]] = []

    def update(self, chunk: ChatCompletionChunk, stream: Any) -> ChatResponse | None:
        """The response for ``chunk``, or ``None`` when it adds nothing."""
        delta = chunk.delta
        usage = chunk.usage
        text = ""
        additional: dict[str, Any] = {}
        changed = usage is not None
        if delta is not None:
            if delta.content:
                text = delta.content
                self.content += text
                changed = True
            if delta.reasoning_content:
                self.reasoning += delta.reasoning_content
                self.thinking = _thinking(self.reasoning, None)
                additional["thinking_delta"] = delta.reasoning_content
                changed = True
            if delta.tool_calls:
                calls = stream.completion.tool_calls
                self.tool_blocks = [_tool_call_block(c) for c in calls]
                self.tool_dicts = [tool_call_dict(c) for c in calls]
                changed = True
        # A finish chunk after an answer adds nothing; after an empty answer it is the one thing
        # to yield, so the caller still gets a response.
        empty_finish = bool(chunk.finish_reason) and not (self.content or self.reasoning or self.tool_dicts)
        if not (changed or empty_finish):
            return None
        if usage is not None:
            additional.update(usage_kwargs(usage))
            if self.thinking is not None:
                self.thinking = _thinking(self.reasoning, usage.reasoning_tokens)
        message = _message(self.content, self.thinking, self.tool_blocks, list(self.tool_dicts))
        return _built(
            ChatResponse,
            {
                "message": message,
                "raw": chunk.raw,
                "delta": text,
                "logprobs": None,
                "additional_kwargs": additional,
            },
        )
