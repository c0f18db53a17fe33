"""``/v1/chat/completions`` answers, whole or streamed, read into :class:`~grok_transport.Answer`.

The stream reader is tolerant of every quirk in the recordings (docs/wire.md, "Streaming"):

* the role arrives on the first content / reasoning / tool-call chunk, never alone;
* tool calls arrive whole, keyed by ``index``; proxies that fragment them (OpenAI style) or
  repeat the id in every fragment are merged by index;
* ``finish_reason`` may share a chunk with the tool calls (grok-2-1212);
* usage comes in a trailing ``choices: []`` chunk, or (older servers) in every chunk; the last
  one wins;
* empty ``delta: {}`` chunks are fine.

JSON of the wrong shape (``null``, ``choices: [null]``, ``content: 5``…) is not a quirk but a
broken server or proxy: it raises :class:`~grok_transport.UnexpectedResponseError` (keeping what
arrived so far) rather than a bare ``TypeError`` from deep inside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from grok_transport._answer import Answer, Citation, Delta
from grok_transport._errors import UnexpectedResponseError, error_from_payload
from grok_transport._wire import ToolCall, Usage

__all__ = ["ChatStreamReader", "read_chat_completion"]

_NOTHING: tuple[Delta, ...] = ()


def _wrong_shape(what: str, value: Any) -> UnexpectedResponseError:
    return UnexpectedResponseError(f"chat completion {what} has the wrong shape: {str(value)[:200]!r}")


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _wrong_shape(what, value)
    return value


def _text(value: Any, what: str) -> str | None:
    if value is None or type(value) is str:
        return value
    raise _wrong_shape(what, value)


def _usage(value: Any) -> Usage | None:
    return Usage.from_dict(_dict(value, "usage")) if value else None


def _tool_calls(value: Any) -> list[ToolCall]:
    if not value:
        return []
    if not isinstance(value, list):
        raise _wrong_shape("tool_calls", value)
    return [ToolCall.from_dict(_dict(call, "tool call")) for call in value]


def _citations(value: Any) -> list[Citation]:
    """The top-level ``citations`` URL list (Live Search era; docs/wire.md, "Chat response")."""
    if not isinstance(value, list):
        return []
    return [Citation(url) if isinstance(url, str) else Citation(str(url.get("url", ""))) for url in value]


def read_chat_completion(data: Any, headers: Mapping[str, str] | None = None) -> Answer:
    """Read a ``chat.completion`` body (choice 0)."""
    data = _dict(data, "body")
    choices = data.get("choices") or [{}]
    if not isinstance(choices, list):
        raise _wrong_shape("choices", choices)
    choice = _dict(choices[0], "choice")
    message = _dict(choice.get("message") or {}, "message")
    return Answer(
        id=data.get("id") or "",
        model=data.get("model") or "",
        text=_text(message.get("content"), "content") or "",
        reasoning=_text(message.get("reasoning_content"), "reasoning_content") or None,
        tool_calls=_tool_calls(message.get("tool_calls")),
        citations=_citations(data.get("citations")),
        usage=_usage(data.get("usage")),
        finish_reason=choice.get("finish_reason"),
        logprobs=choice.get("logprobs"),
        system_fingerprint=data.get("system_fingerprint"),
        refusal=_text(message.get("refusal"), "refusal"),
        service_tier=data.get("service_tier"),
        created=data.get("created"),
        raw=data,
        headers=dict(headers or {}),
    )


class ChatStreamReader:
    """Turns ``chat.completion.chunk`` payloads into deltas and accumulates the answer."""

    __slots__ = (
        "_calls",
        "_citations",
        "_content",
        "_reasoning",
        "created",
        "finish_reason",
        "headers",
        "id",
        "model",
        "secret",
        "service_tier",
        "system_fingerprint",
        "usage",
    )

    def __init__(self, headers: dict[str, str], secret: str | None) -> None:
        self.headers = headers
        self.secret = secret
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[int, ToolCall] = {}
        self._citations: list[Citation] = []
        self.id = ""
        self.model = ""
        self.created: int | None = None
        self.system_fingerprint: str | None = None
        self.service_tier: str | None = None
        self.finish_reason: str | None = None
        self.usage: Usage | None = None

    def read(self, payload: Any, event: str | None) -> Sequence[Delta]:
        """The deltas one decoded ``data:`` payload adds (most often exactly one, or none)."""
        if type(payload) is not dict:
            raise _wrong_shape("chunk", payload)
        if "error" in payload and "choices" not in payload:  # xAI's error event inside a 200
            raise error_from_payload(200, payload, headers=self.headers, secret=self.secret)
        if not self.id:
            self.id = payload.get("id") or ""
            self.model = payload.get("model") or ""
            self.created = payload.get("created")
            self.service_tier = payload.get("service_tier")
        if payload.get("system_fingerprint"):
            self.system_fingerprint = payload["system_fingerprint"]
        if (usage := payload.get("usage")) is not None:
            self.usage = _usage(usage)
        if citations := payload.get("citations"):
            self._citations = _citations(citations)
        choices = payload.get("choices")
        if not choices:
            return _NOTHING
        if type(choices) is not list:
            raise _wrong_shape("choices", choices)
        choice = choices[0]
        if type(choice) is not dict:
            raise _wrong_shape("choice", choice)
        if finish := choice.get("finish_reason"):
            self.finish_reason = finish
        delta = choice.get("delta")
        if not delta:
            return _NOTHING
        if type(delta) is not dict:
            raise _wrong_shape("delta", delta)
        logprobs = choice.get("logprobs")
        content = delta.get("content")
        reasoning = delta.get("reasoning_content")
        calls = delta.get("tool_calls")
        if calls is None and (content is None) != (reasoning is None):
            # The hot path, once per token: a piece of text or of reasoning, nothing else.
            if content is not None:
                if type(content) is not str:
                    raise _wrong_shape("content", content)
                self._content.append(content)
                return (Delta("text", content, logprobs=logprobs),) if content else _NOTHING
            if type(reasoning) is not str:
                raise _wrong_shape("reasoning_content", reasoning)
            self._reasoning.append(reasoning)
            return (Delta("reasoning", reasoning),) if reasoning else _NOTHING
        deltas: list[Delta] = []
        if reasoning := _text(reasoning, "reasoning_content"):
            self._reasoning.append(reasoning)
            deltas.append(Delta("reasoning", reasoning))
        if content := _text(content, "content"):
            self._content.append(content)
            deltas.append(Delta("text", content, logprobs=logprobs))
        for position, call in enumerate(_tool_calls(calls)):
            if call.index is None:
                call.index = len(self._calls) + position
            self._merge(call)
            deltas.append(Delta("tool_call", tool_call=call))
        return deltas

    def _merge(self, call: ToolCall) -> None:
        index = call.index if call.index is not None else len(self._calls)
        known = self._calls.get(index)
        if known is None:
            self._calls[index] = ToolCall(call.id, call.name, call.arguments, index, call.type)
            return
        if call.id and not known.id:
            known.id = call.id
        if call.name and not known.name:
            known.name = call.name
        known.arguments += call.arguments

    @property
    def finished(self) -> bool:
        """Whether the answer is complete: a finish reason arrived (``[DONE]`` is the stream's)."""
        return self.finish_reason is not None

    def answer(self) -> Answer:
        """Everything received so far, as one answer."""
        return Answer(
            id=self.id,
            model=self.model,
            text="".join(self._content),
            reasoning="".join(self._reasoning) or None,
            tool_calls=[self._calls[i] for i in sorted(self._calls)],
            citations=self._citations,
            usage=self.usage,
            finish_reason=self.finish_reason,
            system_fingerprint=self.system_fingerprint,
            service_tier=self.service_tier,
            created=self.created,
            headers=self.headers,
        )
