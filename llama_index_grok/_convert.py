"""LlamaIndex types in, wire dicts out; a transport ``Answer`` / ``Delta`` in, ``ChatResponse`` out.

This is the last step of the path a reader follows from the socket to a framework object:
``grok_transport`` reads either endpoint's JSON or SSE into one ``Answer`` (or a stream of
``Delta``s), and this module turns that into LlamaIndex types. It never asks which endpoint
answered, and it does no I/O.

Outgoing (``ChatMessage`` → chat-completions message dicts, which ``plan()`` sends to either
endpoint):

* Every ``MessageRole`` is mapped explicitly. A tool message stays a tool message (never a user
  message); ``developer`` becomes ``system`` (xAI takes system, user, assistant, tool);
  Cohere's ``chatbot`` and Gemini's ``model`` are assistants. A role LlamaIndex does not define
  (a message built with ``model_construct``) is passed on as it is, for the transport's message
  check to refuse with a typed error.
* A ``DocumentBlock`` in a user message: a text document is inlined as text (any endpoint
  takes it); any other (a PDF) becomes a file part, which moves the call to the Responses API,
  where xAI searches the document; the transport uploads inline data through the Files API.
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
  (``tool_call_id``, ``tool_calls``, ``reasoning_content``, ``responses_output``); core merges
  token counts and other bookkeeping into that dict, and those must not reach the server.
* An answer from the Responses API carries its raw output items in
  ``additional_kwargs["responses_output"]``; they go back with the assistant message, and the
  transport replays them verbatim (reasoning, searches and all) when the call goes to the
  Responses API. Its ``CitationBlock``s mark spans of its own text, so they are not sent again.
* Input that cannot be sent (tool-call arguments holding bytes, a history holding dicts instead
  of ``ChatMessage``s) is refused with :class:`~grok_transport.InvalidParameterError` here,
  before any request, instead of a bare ``TypeError`` or ``AttributeError``.

Incoming (:func:`answer_to_response` for a whole answer, :class:`StreamState` for a stream):

* ``message.blocks`` is ``[ThinkingBlock?, TextBlock, CitationBlock..., ToolCallBlock...]``;
  tool calls are also in ``message.additional_kwargs["tool_calls"]`` as plain dicts, which
  core's streaming structured output reads, beside what ``Answer.extras()`` names for both
  frameworks (reasoning, refusal, citations, server-side tool runs, raw output items) and, for
  a Responses-API answer, ``response_id`` (to pass as ``previous_response_id``).
* ``raw`` is the response JSON, so ``TokenCountingHandler`` finds ``raw["usage"]``; a streamed
  answer has no single JSON document, so its last response's ``raw`` holds the id, the model
  and the usage, as the stream's last chunk did. ``ChatResponse.additional_kwargs`` holds the
  token counts by name (on xAI ``completion_tokens`` excludes reasoning, which is
  ``reasoning_tokens``, and ``total_tokens`` includes it) and ``Answer.metadata()``.
* Streamed responses carry the accumulated message and the new text in ``delta``; reasoning
  accumulates in a ``ThinkingBlock`` and its new piece is in ``additional_kwargs["thinking_delta"]``.
  The last response of a stream is built by :func:`answer_to_response` from the whole answer,
  so it is exactly what the call without streaming returns, with ``delta=""``.
"""

from __future__ import annotations

import base64
import json
import mimetypes
from collections.abc import Sequence
from io import IOBase
from pathlib import Path
from typing import Any, Protocol, TypeVar

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
from llama_index.core.bridge.pydantic import BaseModel

from grok_transport import (
    Answer,
    Citation,
    Delta,
    InvalidParameterError,
    ToolCall,
    Usage,
    data_url,
    image_part,
)

__all__ = ["to_wire_messages", "legacy_tool_call", "answer_to_response", "StreamState"]

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


def _document_part(block: DocumentBlock, role: str) -> dict[str, Any]:
    """A text document inlined as text; any other (a PDF…) as a file part.

    The call plan sends a file part to the Responses API, where xAI searches the document, and
    the transport uploads it first when it is inline (docs/wire.md, "Files"). A URL is attached
    as it is, for xAI to fetch.
    """
    mimetype = block.document_mimetype or ""
    if mimetype.startswith(_TEXT_DOCUMENT_TYPES):
        data = block.resolve_document().read()  # decoded bytes, from data, path or url
        return {"type": "text", "text": f"{block.title}:\n{data.decode('utf-8', errors='replace')}"}
    if role != "user":
        raise InvalidParameterError(
            f"A {mimetype or 'binary'} DocumentBlock can be sent in a user message, not a {role} message."
        )
    if block.url is not None:
        return {"type": "file", "file": {"file_url": str(block.url)}}
    b64 = base64.b64encode(block.resolve_document().read()).decode("ascii")  # from data, path or IO
    name = Path(block.path).name if block.path else (block.title or "document")
    if not Path(name).suffix:
        name += mimetypes.guess_extension(mimetype) or ""
    file_data = f"data:{mimetype};base64,{b64}" if mimetype else b64
    return {"type": "file", "file": {"file_data": file_data, "filename": name}}


def _parts(blocks: Sequence[Any], role: str) -> tuple[list[dict[str, Any]], bool]:
    """The parts of a message's visible content, and whether any is an image or a file."""
    parts: list[dict[str, Any]] = []
    has_media = False
    for block in blocks:
        if isinstance(block, TextBlock):
            parts.append({"type": "text", "text": block.text})
        elif isinstance(block, ImageBlock):
            parts.append(_image_to_part(block))
            has_media = True
        elif isinstance(block, (ThinkingBlock, ToolCallBlock)):
            continue  # sent as reasoning_content / tool_calls by the caller
        elif isinstance(block, CitableBlock):
            nested, media = _parts(block.content, role)
            parts.extend(nested)
            has_media = has_media or media
        elif isinstance(block, CitationBlock):
            nested, media = _parts([block.cited_content], role)
            parts.extend(nested)
            has_media = has_media or media
        elif isinstance(block, DocumentBlock):
            parts.append(_document_part(block, role))
            has_media = has_media or parts[-1]["type"] == "file"
        elif isinstance(block, CachePoint):
            continue  # xAI caches prompts by itself; there is no marker to send
        else:
            raise InvalidParameterError(
                f"Grok chat completions cannot take a {type(block).__name__} in a {role} message."
            )
    return parts, has_media


def _text_of(parts: list[dict[str, Any]]) -> str:
    return "\n".join(p["text"] for p in parts if p["type"] == "text")


def _arguments_json(block: ToolCallBlock) -> str:
    """A ``ToolCallBlock``'s arguments as the JSON text the wire carries."""
    if isinstance(block.tool_kwargs, str):
        return block.tool_kwargs
    try:
        return json.dumps(block.tool_kwargs, ensure_ascii=False)
    except (TypeError, ValueError) as exc:  # bytes, sets, objects… cannot be sent
        raise InvalidParameterError(
            f"The arguments of tool call {block.tool_name!r} are not JSON: {exc}."
        ) from None


def legacy_tool_call(call: Any) -> ToolCall:
    """A tool call from ``additional_kwargs["tool_calls"]``: a dict, or an OpenAI SDK object."""
    if hasattr(call, "model_dump"):
        call = call.model_dump()
    if not isinstance(call, dict):
        raise InvalidParameterError(
            f"additional_kwargs['tool_calls'] holds a {type(call).__name__}, not a tool call dict."
        )
    try:
        return ToolCall.from_dict(call)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"A tool call in additional_kwargs is not JSON: {exc}.") from None


def _cites_own_text(block: Any, blocks: Sequence[Any]) -> bool:
    """Whether ``block`` is a citation of a span of the message's own text (a Grok answer's)."""
    if not isinstance(block, CitationBlock):
        return False
    cited = block.cited_content
    if not isinstance(cited, TextBlock):
        return False
    return any(isinstance(b, TextBlock) and cited.text in b.text for b in blocks)


def _assistant(message: ChatMessage) -> dict[str, Any]:
    blocks = message.blocks
    calls = [
        {
            "id": b.tool_call_id or "",
            "type": "function",
            "function": {"name": b.tool_name, "arguments": _arguments_json(b)},
        }
        for b in blocks
        if isinstance(b, ToolCallBlock)
    ]
    if not calls and message.additional_kwargs.get("tool_calls"):
        calls = [legacy_tool_call(c).to_dict() for c in message.additional_kwargs["tool_calls"]]
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
    if output := message.additional_kwargs.get("responses_output"):
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


def to_wire_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """Convert a LlamaIndex conversation to chat-completions ``messages``.

    The common case (one text block per message) takes a fast path: one dict per message.
    """
    out: list[dict[str, Any]] = []
    pending_images: list[dict[str, Any]] = []
    for message in messages:
        if not isinstance(message, ChatMessage):
            raise InvalidParameterError(
                f"messages must be ChatMessage objects, not {type(message).__name__}; "
                "wrap text as ChatMessage(role='user', content=...)."
            )
        role = _ROLES.get(message.role) or str(getattr(message.role, "value", message.role))
        if pending_images and role != "tool":
            out.append({"role": "user", "content": pending_images})
            pending_images = []
        blocks = message.blocks
        if role == "assistant":
            out.append(_assistant(message))
        elif role == "tool":
            out.append(_tool(message, pending_images))
        elif len(blocks) == 1 and isinstance(blocks[0], TextBlock):
            out.append({"role": role, "content": blocks[0].text})
        else:
            parts, has_media = _parts(blocks, role)
            if has_media and role == "user":
                out.append({"role": role, "content": parts})
            elif has_media:
                raise InvalidParameterError(f"Images can be sent in user or tool messages, not {role}.")
            else:
                out.append({"role": role, "content": _text_of(parts)})
    if pending_images:
        out.append({"role": "user", "content": pending_images})
    return out


# -- incoming -------------------------------------------------------------------------------------


_M = TypeVar("_M", bound=BaseModel)
_new = object.__new__
_set = object.__setattr__


def _built(cls: type[_M], fields: dict[str, Any]) -> _M:
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


def _token_counts(usage: Usage | None) -> dict[str, Any]:
    """Token counts for ``ChatResponse.additional_kwargs``, named as xAI reports them.

    ``completion_tokens`` excludes reasoning and ``total_tokens`` includes it, exactly as on the
    wire; ``reasoning_tokens`` is the difference. A Responses-API answer adds how many
    server-side tool runs and sources it used.
    """
    if usage is None:
        return {}
    counts: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "cached_tokens": usage.cached_tokens,
    }
    for name in ("cost_in_usd_ticks", "num_server_side_tools_used", "num_sources_used"):
        if (value := getattr(usage, name)) is not None:
            counts[name] = value
    return counts


def _tool_call_block(call: ToolCall) -> ToolCallBlock:
    try:
        kwargs: dict[str, Any] | str = call.parsed_arguments()
    except ValueError:  # partial JSON from a fragmenting proxy; parsed leniently on read
        kwargs = call.arguments
    return _built(
        ToolCallBlock,
        {"block_type": "tool_call", "tool_call_id": call.id, "tool_name": call.name, "tool_kwargs": kwargs},
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


def _citation_block(citation: Citation, text: str) -> CitationBlock:
    """A source as core's ``CitationBlock``, the way its agents and Anthropic's integration show them.

    xAI sends no quoted source text, so ``cited_content`` is the span of the answer the citation
    covers (usually the ``[[1]](url)`` marker; empty when the server gave no offsets) and
    ``additional_location_info`` holds the offsets.
    """
    start, end = citation.start_index, citation.end_index
    location = {
        name: value for name, value in (("start_index", start), ("end_index", end)) if value is not None
    }
    span = text[start:end] if start is not None and end is not None else ""
    return CitationBlock(
        cited_content=TextBlock(text=span),
        source=citation.url,
        title=citation.title or citation.url,
        additional_location_info=location,
    )


def _raw(answer: Answer) -> dict[str, Any]:
    """The answer's JSON; for a stream, what its last chunk carried (id, model, usage)."""
    if answer.raw:
        return answer.raw
    raw: dict[str, Any] = {"id": answer.id, "model": answer.model}
    if answer.usage is not None:
        raw["usage"] = answer.usage.raw
    return raw


def _response(
    thinking: ThinkingBlock | None,
    text: str,
    more_blocks: list[Any],
    extras: dict[str, Any],
    *,
    raw: Any,
    delta: str | None,
    additional_kwargs: dict[str, Any],
) -> ChatResponse:
    """An assistant ``ChatResponse``: ``[ThinkingBlock?, TextBlock, *more_blocks]`` and ``extras``."""
    blocks: list[Any] = [thinking] if thinking is not None else []
    blocks.append(_built(TextBlock, {"block_type": "text", "text": text}))
    blocks.extend(more_blocks)
    message = _built(
        ChatMessage, {"role": MessageRole.ASSISTANT, "additional_kwargs": extras, "blocks": blocks}
    )
    return _built(
        ChatResponse,
        {
            "message": message,
            "raw": raw,
            "delta": delta,
            "logprobs": None,
            "additional_kwargs": additional_kwargs,
        },
    )


def answer_to_response(
    answer: Answer, *, include_headers: bool = False, delta: str | None = None
) -> ChatResponse:
    """The one ``Answer`` → ``ChatResponse`` conversion, for whole answers and a stream's last response."""
    usage = answer.usage
    thinking = None
    if answer.reasoning:
        thinking = _thinking(answer.reasoning, usage.reasoning_tokens if usage else None)
    more_blocks: list[Any] = [_citation_block(citation, answer.text) for citation in answer.citations]
    more_blocks.extend(_tool_call_block(call) for call in answer.tool_calls)
    extras = answer.extras()
    if answer.tool_calls:
        extras["tool_calls"] = [call.to_dict() for call in answer.tool_calls]
    if answer.output:  # only the Responses API keeps a response to continue from
        extras["response_id"] = answer.id
    return _response(
        thinking,
        answer.text,
        more_blocks,
        extras,
        raw=_raw(answer),
        delta=delta,
        additional_kwargs={**_token_counts(usage), **answer.metadata(include_headers=include_headers)},
    )


class _Stream(Protocol):
    """What :class:`StreamState` reads from a transport stream besides its deltas."""

    @property
    def answer(self) -> Answer: ...


class StreamState:
    """Turns a stream's deltas into accumulated ``ChatResponse``s, doing little per delta.

    Text and reasoning are accumulated by string concatenation (the hot path: one text delta per
    token builds three models and nothing else). Tool calls, rare and possibly fragmented by a
    proxy, are re-read from the stream's own merged answer when one arrives; server-side tool
    runs are shown as each finishes. The ``"done"`` delta, last of every complete stream,
    becomes :func:`answer_to_response` of the whole answer.
    """

    __slots__ = ("content", "extras", "include_headers", "reasoning", "thinking", "tool_blocks")

    def __init__(self, *, include_headers: bool = False) -> None:
        self.include_headers = include_headers
        self.content = ""
        self.reasoning = ""
        self.thinking: ThinkingBlock | None = None
        self.tool_blocks: list[ToolCallBlock] = []
        self.extras: dict[str, Any] = {}

    def update(self, delta: Delta, stream: _Stream) -> ChatResponse | None:
        """The response for ``delta``, or ``None`` when it adds nothing a user sees."""
        kind = delta.kind
        if kind == "text":
            if not delta.text:
                return None
            self.content += delta.text
            return self._accumulated(delta.text, {})
        if kind == "reasoning":
            self.reasoning += delta.text
            self.thinking = _thinking(self.reasoning, None)
            return self._accumulated("", {"thinking_delta": delta.text})
        if kind == "tool_call":
            calls = stream.answer.tool_calls
            self.tool_blocks = [_tool_call_block(call) for call in calls]
            self.extras = {**self.extras, "tool_calls": [call.to_dict() for call in calls]}
            return self._accumulated("", {})
        if kind == "server_tool" and delta.server_tool is not None:
            runs = [*self.extras.get("server_tool_calls", ()), delta.server_tool.as_dict()]
            self.extras = {**self.extras, "server_tool_calls": runs}
            return self._accumulated("", {})
        if kind == "done" and delta.answer is not None:
            return answer_to_response(delta.answer, include_headers=self.include_headers, delta="")
        return None

    def _accumulated(self, delta: str, additional_kwargs: dict[str, Any]) -> ChatResponse:
        return _response(
            self.thinking,
            self.content,
            self.tool_blocks,
            dict(self.extras),
            raw=None,
            delta=delta,
            additional_kwargs=additional_kwargs,
        )
