"""LangChain messages to wire dicts, and the transport's answers back to LangChain messages.

Three conversions, one each, whichever endpoint serves the call (the transport decides that and
reads either endpoint into one :class:`~grok_transport.Answer` / :class:`~grok_transport.Delta`):

* :func:`messages_to_wire`: LangChain messages → chat-completions message dicts for ``plan``;
* :func:`answer_to_message`: a whole ``Answer`` → ``AIMessage``;
* :class:`StreamChunks`: each ``Delta`` of one stream → ``AIMessageChunk``, the last one (the
  ``"done"`` delta) carrying usage, the answer-wide metadata and the extras, once.

Choices that differ from ``ChatXAI``:

* an assistant turn with tool calls and no text is sent with ``"content": ""``, never ``null``;
* ``reasoning_content`` is in ``additional_kwargs`` on invoke and on every stream delta;
* ``usage_metadata.output_tokens`` is visible completion plus reasoning (xAI's
  ``completion_tokens`` excludes reasoning) and ``total_tokens`` is always
  ``input_tokens + output_tokens``, which equals xAI's own ``total_tokens``;
* tool-call arguments that are not a JSON object become ``invalid_tool_calls``; ``""`` and
  ``"null"`` mean no arguments;
* ``file`` blocks (PDF or text; base64, a URL or a file id; v1 or the older ``source_type``
  shape) reach the model: they become file parts, which ``plan`` sends to the Responses API as
  ``input_file`` (xAI's document search) and the transport uploads when they are inline. A URL
  is attached as it is, for xAI to fetch; core's OpenAI converter would refuse it.

Nothing in this module does I/O.
"""

from __future__ import annotations

import base64
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

from grok_transport import InvalidParameterError
from langchain_grok._blocks import PROVIDER

if TYPE_CHECKING:
    from langchain_core.messages import InvalidToolCall
    from langchain_core.messages import ToolCall as LCToolCall

    from grok_transport import Answer, Delta, ToolCall, Usage

__all__ = ["messages_to_wire", "answer_to_message", "StreamChunks"]

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
_DATA_BLOCKS = frozenset({"image", "audio"})
_FILE_BLOCKS = frozenset({"file", "text-plain"})
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
#
# Content the API cannot take (an unknown role, an image URL that is not one, a text part that
# is not a string) passes through unchanged so the transport's checks refuse it before any
# request; only what would break the conversion itself is refused here.


def _part(block: Any) -> dict[str, Any] | None:
    """One content part on the wire, or ``None`` for a block that is not input."""
    if isinstance(block, str):
        return {"type": "text", "text": block}
    if not isinstance(block, dict):
        raise InvalidParameterError(
            f"a message content part must be a string or a dict, not {type(block).__name__}."
        )
    kind = block.get("type")
    if kind == "text":  # v1 text blocks carry ids and annotations the API does not take
        return {"type": "text", "text": block.get("text")}
    if kind == "image_url":  # OpenAI's shape: passes through, ``detail`` included
        image = block.get("image_url")
        return {"type": "image_url", "image_url": image if isinstance(image, dict) else {"url": image}}
    if kind in _FILE_BLOCKS:
        return _file_part(block)
    if kind in _DATA_BLOCKS and ("source_type" in block or _is_v1_data(block)):
        part = convert_to_openai_data_block(block)
        detail = (block.get("extras") or block.get("metadata") or {}).get("detail")
        if detail and part.get("type") == "image_url":
            part["image_url"]["detail"] = detail
        return part
    if kind in _OUTPUT_ONLY:
        return None
    return dict(block)  # an API part this module does not know: the server decides


def _file_part(block: dict[str, Any]) -> dict[str, Any]:
    """A ``file`` (or ``text-plain``) block as a chat-style file part: by id, by URL, or inline.

    OpenAI's own shape (``{"type": "file", "file": {…}}``) passes as it is.
    """
    if isinstance(block.get("file"), dict):
        return dict(block)
    source = block.get("source_type")
    file_id = block.get("id") if source == "id" else block.get("file_id")
    url = block.get("url") if source in (None, "url") else None
    data = block.get("data") if source == "base64" else block.get("base64")
    text = block.get("text") if source in (None, "text") else None
    mime_type = block.get("mime_type") or ("text/plain" if block.get("type") == "text-plain" else None)
    if isinstance(text, str) and not (file_id or url or data):
        data, mime_type = base64.b64encode(text.encode()).decode(), mime_type or "text/plain"
    if isinstance(url, str) and url.startswith("data:"):
        url, data = None, url
    elif isinstance(data, str) and mime_type:
        data = f"data:{mime_type};base64,{data}"
    spec = {"file_id": file_id} if file_id else {"file_url": url} if url else {"file_data": data}
    filename = block.get("filename") or (block.get("extras") or block.get("metadata") or {}).get("filename")
    if filename and "file_data" in spec:
        spec["filename"] = filename
    return {"type": "file", "file": spec}


def _is_v1_data(block: dict[str, Any]) -> bool:
    return any(key in block for key in ("url", "base64", "file_id"))


def _parts(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    return [part for part in map(_part, content) if part is not None]


def _joined_text(parts: list[dict[str, Any]]) -> str:
    """The text parts of ``parts`` as one string (for roles that take only text)."""
    texts = [part.get("text") for part in parts if part.get("type") == "text"]
    for text in texts:
        if not isinstance(text, str):
            raise InvalidParameterError(f"a text part's text must be a string, not {type(text).__name__}.")
    return "".join(texts)  # type: ignore[arg-type]


def _text(content: str | list[Any]) -> str:
    """The text of a message whose role takes only text (system, assistant, function)."""
    parts = _parts(content)
    return parts if isinstance(parts, str) else _joined_text(parts)


def _arguments_json(args: Any) -> str:
    try:
        return json.dumps(args, ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise InvalidParameterError(f"tool call arguments are not JSON: {error}") from None


def _wire_tool_call(call: LCToolCall | InvalidToolCall, arguments: str) -> dict[str, Any]:
    return {
        "id": call.get("id") or "",
        "type": "function",
        "function": {"name": call.get("name") or "", "arguments": arguments},
    }


def _assistant(message: AIMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "assistant", "content": _text(message.content)}
    if items := message.additional_kwargs.get("responses_output"):
        out["responses_output"] = items  # a Responses answer's own items: replayed verbatim
    calls = [_wire_tool_call(c, _arguments_json(c["args"])) for c in message.tool_calls]
    # A call the model sent with broken JSON still needs its slot, or the tool message that
    # answers it refers to nothing; it goes back exactly as it came.
    calls += [_wire_tool_call(c, c.get("args") or "{}") for c in message.invalid_tool_calls]
    if calls:
        out["tool_calls"] = calls
    return out


def _tool_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    parts = _parts(content)
    if isinstance(parts, str) or any(part.get("type") != "text" for part in parts):
        return parts
    return _joined_text(parts)


def _wire_message(message: BaseMessage) -> dict[str, Any]:
    """One LangChain message as a chat-completions message dict."""
    if isinstance(message, HumanMessage):
        out: dict[str, Any] = {"role": "user", "content": _parts(message.content)}
    elif isinstance(message, AIMessage):
        out = _assistant(message)
    elif isinstance(message, SystemMessage):
        out = {"role": "system", "content": _text(message.content)}
    elif isinstance(message, ToolMessage):
        return {
            "role": "tool",
            "content": _tool_content(message.content),
            "tool_call_id": message.tool_call_id,
        }
    elif isinstance(message, ChatMessage):
        out = {"role": _ROLES.get(message.role, message.role), "content": _parts(message.content)}
    elif isinstance(message, FunctionMessage):
        return {"role": "function", "name": message.name, "content": _text(message.content)}
    else:
        raise InvalidParameterError(f"Cannot send a {type(message).__name__} to Grok.")
    if message.name:
        out["name"] = message.name
    return out


def messages_to_wire(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """A conversation as chat-completions message dicts (what ``plan`` takes)."""
    return [_wire_message(m) for m in messages]


# -- transport → LangChain --------------------------------------------------------------------


def _usage(usage: Usage | None) -> UsageMetadata | None:
    """Usage as LangChain reports it: ``total == input + output``, reasoning counted in output."""
    if usage is None:
        return None
    metadata = UsageMetadata(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.input_tokens + usage.output_tokens,
    )
    raw = usage.raw
    if raw.get("prompt_tokens_details") is not None or raw.get("input_tokens_details") is not None:
        metadata["input_token_details"] = InputTokenDetails(cache_read=usage.cached_tokens)
    if raw.get("completion_tokens_details") is not None or raw.get("output_tokens_details") is not None:
        metadata["output_token_details"] = OutputTokenDetails(reasoning=usage.reasoning_tokens)
    return metadata


def _tool_calls(calls: list[ToolCall]) -> tuple[list[LCToolCall], list[InvalidToolCall]]:
    """Parsed tool calls, and those whose arguments are not a JSON object."""
    valid: list[LCToolCall] = []
    invalid: list[InvalidToolCall] = []
    for call in calls:
        try:
            args = call.parsed_arguments()
        except ValueError as error:  # JSONDecodeError included
            invalid.append(
                invalid_tool_call(name=call.name, args=call.arguments, id=call.id or None, error=str(error))
            )
        else:
            valid.append(tool_call(name=call.name, args=args, id=call.id or None))
    return valid, invalid


def _metadata(answer: Answer, include_headers: bool) -> dict[str, Any]:
    return {"model_provider": PROVIDER, **answer.metadata(include_headers=include_headers)}


def answer_to_message(answer: Answer, *, include_headers: bool = False) -> AIMessage:
    """A whole answer as an ``AIMessage``."""
    valid, invalid = _tool_calls(answer.tool_calls)
    return AIMessage(
        content=answer.text,
        additional_kwargs=answer.extras(),
        tool_calls=valid,
        invalid_tool_calls=invalid,
        usage_metadata=_usage(answer.usage),
        response_metadata=_metadata(answer, include_headers),
    )


_DELTA = AIMessageChunk(content="")
"""Copied (``model_copy``) for each text or reasoning delta: a third cheaper than validating a
new message, and safe because every field that differs, or is mutable, is replaced."""


class StreamChunks:
    """The deltas of one stream as ``AIMessageChunk`` objects.

    It remembers two things per stream: the tool-call indexes already announced (a proxy that
    repeats a call's name and id in every fragment would otherwise have them concatenated when
    LangChain adds the chunks up), and whether reasoning was streamed (then the last chunk does
    not repeat it).
    """

    __slots__ = ("_announced", "_reasoning_streamed", "include_headers")

    def __init__(self, *, include_headers: bool = False) -> None:
        self.include_headers = include_headers
        self._announced: set[int] = set()
        self._reasoning_streamed = False

    def chunk(self, delta: Delta) -> AIMessageChunk | None:
        """The chunk for ``delta``, or ``None`` when it adds nothing a message shows."""
        kind = delta.kind
        if kind == "text" or kind == "reasoning":  # the hot path, once per token
            reasoning = kind == "reasoning"
            self._reasoning_streamed |= reasoning
            metadata = {"model_provider": PROVIDER}
            if delta.logprobs is not None:
                metadata["logprobs"] = delta.logprobs
            return _DELTA.model_copy(
                update={
                    "content": "" if reasoning else delta.text,
                    "additional_kwargs": {"reasoning_content": delta.text} if reasoning else {},
                    "response_metadata": metadata,
                    "tool_calls": [],
                    "invalid_tool_calls": [],
                    "tool_call_chunks": [],
                }
            )
        if kind == "tool_call" and delta.tool_call is not None:
            return self._tool_call_chunk(delta.tool_call)
        if kind == "done" and delta.answer is not None:
            return self._last_chunk(delta.answer)
        return None  # a server-side tool run: the last chunk lists them all

    def _tool_call_chunk(self, call: ToolCall) -> AIMessageChunk:
        index = call.index if call.index is not None else len(self._announced)
        first = index not in self._announced
        self._announced.add(index)
        return AIMessageChunk(
            content="",
            tool_call_chunks=[
                tool_call_chunk(
                    name=(call.name or None) if first else None,
                    args=call.arguments,
                    id=(call.id or None) if first else None,
                    index=index,
                )
            ],
            response_metadata={"model_provider": PROVIDER},
        )

    def _last_chunk(self, answer: Answer) -> AIMessageChunk:
        """Usage, answer-wide metadata and extras, sent once so LangChain's adding-up doubles nothing."""
        extras = answer.extras()
        if self._reasoning_streamed:
            extras.pop("reasoning_content", None)
        return AIMessageChunk(
            content="",
            additional_kwargs=extras,
            usage_metadata=_usage(answer.usage),
            response_metadata=_metadata(answer, self.include_headers),
            chunk_position="last",
        )
