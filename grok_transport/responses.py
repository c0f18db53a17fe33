"""xAI's Responses API (``POST /v1/responses``): requests, answers and streams.

xAI marks Chat Completions as legacy; server-side tools (``web_search``, ``x_search``, code
execution), citations and stored conversations exist only here. The adapters keep speaking in
chat-completions terms (message dicts, function tools, ``response_format``) and this module
translates both ways, so the same conversation can go down either path:

* messages → ``input`` items: ``tool`` results become ``function_call_output`` items, an
  assistant's ``tool_calls`` become ``function_call`` items, image parts become ``input_image``;
  an assistant message carrying ``responses_output`` (the raw output items of an earlier
  answer, reasoning with its encrypted content included) is replayed verbatim, which is how a
  conversation continues with ``store=False``;
* function tools are flattened (``{"type": "function", "name", …}``); server-side tools pass
  through; ``response_format`` becomes ``text.format``; ``reasoning_effort`` becomes
  ``reasoning.effort``; ``max_tokens`` becomes ``max_output_tokens``.

The stream is SSE with ``event:`` lines and no ``[DONE]``: it ends with ``response.completed``
(or ``response.failed`` / ``error``), whose ``response`` is the same object the non-streamed call
returns. :class:`ResponseStream` yields every event as it comes and accumulates text, reasoning,
function calls and server tool calls, so a stream cut before ``response.completed`` still raises
:class:`~grok_transport.errors.StreamInterruptedError` with what had arrived.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from grok_transport.catalogue import lookup
from grok_transport.errors import StreamInterruptedError, error_from_payload
from grok_transport.params import UnsupportedParameterWarning, check_params
from grok_transport.sse import ServerSentEvent, SSEDecoder
from grok_transport.stream import AsyncEventStream, EventStream
from grok_transport.wire import ToolCall, Usage

__all__ = [
    "Citation",
    "ServerToolCall",
    "Response",
    "ResponseEvent",
    "ResponseStream",
    "AsyncResponseStream",
    "build_responses_body",
    "is_server_tool",
    "SERVER_TOOL_TYPES",
]

SERVER_TOOL_TYPES = frozenset(
    {
        "web_search",
        "x_search",
        "code_interpreter",
        "code_execution",
        "file_search",
        "mcp",
        "collections_search",
        "document_search",
    }
)
"""Tools the server runs itself; any tool whose ``type`` is not ``function`` counts as one."""


def is_server_tool(tool: Mapping[str, Any]) -> bool:
    """Whether ``tool`` is run by the server (web search, X search, code execution, …)."""
    return tool.get("type", "function") != "function"


@dataclass(slots=True)
class Citation:
    """A source the answer cites, with the span of text it supports."""

    url: str
    title: str | None = None
    start_index: int | None = None
    end_index: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The plain form both adapters put in ``additional_kwargs["citations"]``."""
        return {
            "url": self.url,
            "title": self.title,
            "start_index": self.start_index,
            "end_index": self.end_index,
        }


@dataclass(slots=True)
class ServerToolCall:
    """One server-side tool run (``web_search_call``, ``x_search_call``, ``code_interpreter_call``…)."""

    id: str
    type: str
    status: str | None = None
    action: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The tool's name as bound (``web_search`` for ``web_search_call``)."""
        return self.type.removesuffix("_call")

    @property
    def sources(self) -> list[str]:
        """URLs the tool looked at, when it reports them."""
        return [s["url"] for s in self.action.get("sources") or () if isinstance(s, dict) and "url" in s]

    def as_dict(self) -> dict[str, Any]:
        """The plain form both adapters put in ``additional_kwargs["server_tool_calls"]``.

        A search has a ``query`` and the ``sources`` it read; code execution has no query but
        the ``code`` it ran and its ``outputs``, added when present.
        """
        run: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "status": self.status,
            "query": self.action.get("query"),
            "sources": self.sources,
        }
        if "code" in self.action:
            run["code"] = self.action["code"]
            run["outputs"] = self.action.get("outputs") or []
        return run


@dataclass(slots=True)
class Response:
    """One Responses-API answer: text with citations, calls, reasoning and usage."""

    id: str = ""
    model: str = ""
    status: str | None = None
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    server_tool_calls: list[ServerToolCall] = field(default_factory=list)
    reasoning: str | None = None
    usage: Usage | None = None
    output: list[dict[str, Any]] = field(default_factory=list)
    """The raw output items, to send back with ``responses_output`` on the next turn."""
    raw: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
        """Read a ``response`` object."""
        response = cls(
            id=data.get("id") or "",
            model=data.get("model") or "",
            status=data.get("status"),
            raw=data,
            headers=headers or {},
        )
        texts: list[str] = []
        reasoning: list[str] = []
        for item in data.get("output") or ():
            _read_item(response, item, texts, reasoning)
        response.text = "".join(texts)
        response.reasoning = "".join(reasoning) or None
        usage = data.get("usage")
        response.usage = Usage.from_dict(usage) if usage else None
        return response

    @property
    def content(self) -> str:
        """The answer text (the name chat completions use)."""
        return self.text

    @property
    def finish_reason(self) -> str | None:
        """Chat-completions terms: ``tool_calls`` when a function call waits, else ``stop``."""
        if self.status not in (None, "completed"):
            return self.status
        return "tool_calls" if self.tool_calls else "stop"


def _read_item(response: Response, item: dict[str, Any], texts: list[str], reasoning: list[str]) -> None:
    kind = item.get("type")
    response.output.append(item)
    if kind == "message":
        for part in item.get("content") or ():
            if part.get("type") not in ("output_text", "text"):
                continue
            offset = sum(map(len, texts))
            texts.append(part.get("text") or "")
            for note in part.get("annotations") or ():
                if note.get("type") == "url_citation" and note.get("url"):
                    start, end = note.get("start_index"), note.get("end_index")
                    response.citations.append(
                        Citation(
                            note["url"],
                            note.get("title"),
                            None if start is None else start + offset,
                            None if end is None else end + offset,
                        )
                    )
    elif kind == "function_call":
        response.tool_calls.append(
            ToolCall(
                id=item.get("call_id") or item.get("id") or "",
                name=item.get("name") or "",
                arguments=item.get("arguments") or "",
                index=len(response.tool_calls),
            )
        )
    elif kind == "reasoning":
        reasoning.extend(s.get("text") or "" for s in item.get("summary") or ())
    elif kind and kind.endswith("_call"):
        response.server_tool_calls.append(
            ServerToolCall(
                id=item.get("id") or "",
                type=kind,
                status=item.get("status"),
                action=item.get("action") or {},
                raw=item,
            )
        )


# -- requests -------------------------------------------------------------------------------


def _input_content(content: Any) -> Any:
    if not isinstance(content, list):
        return content if content is not None else ""
    parts = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            parts.append({"type": "input_text", "text": part.get("text", "")})
        elif kind == "image_url":
            image = part.get("image_url") or {}
            url = image if isinstance(image, str) else image.get("url")
            entry = {"type": "input_image", "image_url": url}
            if isinstance(image, dict) and image.get("detail"):
                entry["detail"] = image["detail"]
            parts.append(entry)
        else:
            parts.append(part)
    return parts


def _text_of(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def messages_to_input(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Chat-completions messages as Responses ``input`` items (see the module docstring)."""
    items: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role == "tool":
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.get("tool_call_id", ""),
                    "output": _text_of(message.get("content")),
                }
            )
        elif role == "assistant" and message.get("responses_output"):
            items.extend(message["responses_output"])
        elif role == "assistant":
            text = _text_of(message.get("content"))
            if text:
                items.append({"role": "assistant", "content": text})
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                items.append(
                    {
                        "type": "function_call",
                        "call_id": call.get("id", ""),
                        "name": function.get("name", ""),
                        "arguments": function.get("arguments") or "{}",
                    }
                )
        else:
            items.append({"role": role, "content": _input_content(message.get("content"))})
    return items


def _tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    if is_server_tool(tool) or "function" not in tool:
        return dict(tool)
    return {"type": "function", **tool["function"]}


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping):
        return {"type": "function", "name": choice["function"]["name"]}
    return choice


def _text_format(response_format: Mapping[str, Any]) -> dict[str, Any]:
    if response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema") or {}
        return {"format": {"type": "json_schema", **spec}}
    return {"format": dict(response_format)}


def build_responses_body(
    *,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    provider: str = "xai",
    stream: bool = False,
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: Any = None,
    response_format: Mapping[str, Any] | None = None,
    reasoning_effort: str | None = None,
    max_tokens: int | None = None,
    extra_body: Mapping[str, Any] | None = None,
    **params: Any,
) -> dict[str, Any]:
    """The JSON body for ``POST /responses`` from chat-completions-style arguments.

    ``params`` pass through under their Responses names (``instructions``,
    ``previous_response_id``, ``store``, ``parallel_tool_calls``, ``temperature``, ``top_p``,
    ``include``, ``max_output_tokens``…); ``None`` values are omitted.
    """
    chosen = {k: v for k, v in params.items() if v is not None}
    check_params({**chosen, "reasoning_effort": reasoning_effort})
    body: dict[str, Any] = {"model": model, "input": messages_to_input(messages)}
    if stream:
        body["stream"] = True
    if tools:
        body["tools"] = [_tool(t) for t in tools]
    if tool_choice is not None:
        body["tool_choice"] = _tool_choice(tool_choice)
    if response_format is not None:
        body["text"] = _text_format(response_format)
    if max_tokens is not None:
        chosen.setdefault("max_output_tokens", max_tokens)
    if reasoning_effort is not None:
        if lookup(model, provider).accepts("reasoning_effort"):
            body["reasoning"] = {"effort": reasoning_effort}
        else:
            warnings.warn(
                f"{model} does not accept 'reasoning_effort'; it was not sent.",
                UnsupportedParameterWarning,
                stacklevel=3,
            )
    for name in sorted(chosen):
        body[name] = chosen[name]
    if extra_body:
        body.update(extra_body)
    return body


# -- streams --------------------------------------------------------------------------------


@dataclass(slots=True)
class ResponseEvent:
    """One streamed event: its ``type`` (``response.output_text.delta``…) and decoded data."""

    type: str
    data: dict[str, Any]

    @property
    def delta(self) -> str:
        """The text a ``*.delta`` event adds (empty for other events)."""
        value = self.data.get("delta")
        return value if isinstance(value, str) else ""


class _EventReader:
    """Accumulates a Responses stream; shared by the sync and async streams."""

    __slots__ = (
        "done",
        "text",
        "reasoning",
        "items",
        "final",
        "headers",
        "secret",
        "decoder",
        "response_id",
        "model",
    )

    def __init__(self, headers: dict[str, str], secret: str | None) -> None:
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.items: dict[int, dict[str, Any]] = {}
        self.final: Response | None = None
        self.headers = headers
        self.secret = secret
        self.decoder = SSEDecoder()
        self.response_id = ""
        self.model = ""
        self.done = False

    def read(self, sse: ServerSentEvent) -> ResponseEvent | None:
        if sse.data == "[DONE]":
            self.done = True
            return None
        try:
            data = json.loads(sse.data)
        except ValueError:
            raise self.interrupted(f"malformed event in stream: {sse.data[:200]!r}") from None
        kind = data.get("type") or sse.event or ""
        if kind in ("error", "response.failed") or ("error" in data and "type" not in data):
            payload = data.get("response", {}).get("error") if kind == "response.failed" else data
            error = error_from_payload(
                200,
                {"error": payload} if isinstance(payload, str) else payload,
                headers=self.headers,
                secret=self.secret,
            )
            error.partial = self.partial()
            raise error
        if kind == "response.output_text.delta":
            self.text.append(data.get("delta") or "")
        elif kind == "response.reasoning_summary_text.delta":
            self.reasoning.append(data.get("delta") or "")
        elif kind == "response.output_item.done":
            self.items[data.get("output_index", len(self.items))] = data.get("item") or {}
        elif kind in ("response.created", "response.in_progress"):
            response = data.get("response") or {}
            self.response_id, self.model = response.get("id", ""), response.get("model", "")
        elif kind in ("response.completed", "response.incomplete"):
            self.final = Response.from_dict(data.get("response") or {}, self.headers)
        return ResponseEvent(kind, data)

    def partial(self) -> Response:
        if self.final is not None:
            return self.final
        response = Response.from_dict(
            {
                "id": self.response_id,
                "model": self.model,
                "status": "incomplete",
                "output": [self.items[i] for i in sorted(self.items)],
            },
            self.headers,
        )
        streamed_text = "".join(self.text)
        if len(streamed_text) > len(response.text):
            response.text = streamed_text
        response.reasoning = response.reasoning or ("".join(self.reasoning) or None)
        return response

    def finish(self) -> None:
        if self.final is None:
            raise self.interrupted("stream ended before response.completed")

    def interrupted(self, why: str, cause: BaseException | None = None) -> StreamInterruptedError:
        return StreamInterruptedError(
            f"{why}: {cause}" if cause else why,
            partial=self.partial(),  # type: ignore[arg-type]
            request_id=self.headers.get("x-request-id"),
        )


class ResponseStream(EventStream[ResponseEvent]):
    """A streamed Responses answer. Iterate for events; ``response`` is the accumulated answer."""

    def __init__(self, response: httpx.Response, *, secret: str | None = None) -> None:
        self.headers = {k.lower(): v for k, v in response.headers.items()}
        super().__init__(response, _EventReader(self.headers, secret))

    @property
    def response(self) -> Response:
        """The final answer once ``response.completed`` arrived, else what has arrived so far."""
        return self._reader.partial()  # type: ignore[attr-defined]

    @property
    def text(self) -> str:
        """The answer text streamed so far."""
        return "".join(self._reader.text)  # type: ignore[attr-defined]


class AsyncResponseStream(AsyncEventStream[ResponseEvent]):
    """The async twin of :class:`ResponseStream`."""

    def __init__(self, response: httpx.Response, *, secret: str | None = None) -> None:
        self.headers = {k.lower(): v for k, v in response.headers.items()}
        super().__init__(response, _EventReader(self.headers, secret))

    @property
    def response(self) -> Response:
        """The final answer once ``response.completed`` arrived, else what has arrived so far."""
        return self._reader.partial()  # type: ignore[attr-defined]

    @property
    def text(self) -> str:
        """The answer text streamed so far."""
        return "".join(self._reader.text)  # type: ignore[attr-defined]
