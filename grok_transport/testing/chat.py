r"""``POST /v1/chat/completions``: refuse what the real API refuses, then render the answer.

The bytes follow the recordings key for key and chunk for chunk (docs/wire.md, "Chat response",
"Streaming" and "Tool calls"). Citations become the top-level ``citations`` list (non-streamed
only); server-side tool runs exist on ``/v1/responses`` only.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from .._catalogue import ModelInfo, lookup
from . import deferred
from ._http import Response, StreamResponse
from .answer import Answer, decide
from .conversation import read_chat
from .exchange import Exchange, dumps, render, with_overrides
from .replies import Reply, ToolCall

__all__ = ["chat_completions"]

_XAI_ROLES = ("assistant", "developer", "function", "system", "tool", "user")
_GROKINC_ROLE = "invalid role '{}' in messages[{}]: grok inc only takes 'user' and 'assistant' messages."
_LIVE_SEARCH_GONE = "Live search is deprecated. Please switch to the Agent Tools API: "
_LIVE_SEARCH_GONE += "https://docs.x.ai/docs/guides/tools/overview"
_DONE = b"data: [DONE]\n\n"
_CHAT_TOTAL = ("prompt_tokens", "completion_tokens", "completion_tokens_details")  # what total_tokens adds


def chat_completions(x: Exchange) -> Response | StreamResponse:
    """Validate, take the scripted reply or the stand-in, and render it for this request."""
    body = x.body("struct ChatCompletionRequest")
    info = lookup(body["model"] if isinstance(body.get("model"), str) else "", x.dialect.name)
    _validate(x, body, info)
    conversation = read_chat(body, x.dialect.name, info)
    conversation.prompt_tokens, conversation.image_tokens = x.prompt_tokens, x.image_tokens
    reply = x.next_reply()
    options = body.get("stream_options")
    usage_chunk = isinstance(options, Mapping) and options.get("include_usage") is True
    wire = _Chat(decide(conversation, reply), x.request.body, usage_chunk)
    if body.get("deferred") is True:  # answered now, delivered later (see .deferred)
        return deferred.start(x, wire.json(), reply)
    return render(wire, reply, body.get("stream") is True)


def _validate(x: Exchange, body: Mapping[str, Any], info: ModelInfo) -> None:
    """The refusals the real API makes before generating anything, in its order."""
    name = x.dialect.name
    x.require(body, "model", "messages")
    x.check_model(x.expect(body, "model"))
    messages = x.expect(body, "messages", list, "a sequence")
    allowed = ("assistant", "user") if name == "grokinc" else _XAI_ROLES
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, Mapping) else None
        if role not in allowed and name == "grokinc":
            x.refuse(400, _GROKINC_ROLE.format(role, index))
        if role not in allowed:
            expected = ", ".join(f"`{r}`" for r in _XAI_ROLES)
            x.bad(f"messages[{index}].role: unknown variant `{role}`, expected one of {expected}")
    tools: list[Any] = body["tools"] if name == "xai" and isinstance(body.get("tools"), list) else []
    for index, tool in enumerate(tools):
        kind = tool.get("type", "function") if isinstance(tool, Mapping) else None
        if kind not in ("function", "live_search"):  # server-side tools live on /v1/responses
            x.bad(f"tools[{index}].type: unknown variant `{kind}`, expected `function` or `live_search`")
    if name == "xai" and "search_parameters" in body:
        x.refuse(410, _LIVE_SEARCH_GONE)
    for param in ("reasoning_effort", "stop", "presence_penalty", "frequency_penalty"):
        if name != "grokinc" and info.known and body.get(param) is not None and param in info.rejected_params:
            camel = re.sub(r"_(\w)", lambda m: m[1].upper(), param)
            unsupported = f"Model {body['model']} does not support parameter {camel}."
            message = "Argument not supported on this model: stop" if param == "stop" else unsupported
            x.refuse(400, message, None if name == "xai" else "unsupported_parameter")
    fmt = body["response_format"] if isinstance(body.get("response_format"), Mapping) else {}
    spec = fmt.get("json_schema") if fmt.get("type") == "json_schema" else {"schema": None}
    if name != "grokinc" and not (isinstance(spec, Mapping) and "schema" in spec):
        missing = "Missing required parameter: 'response_format.json_schema.schema'."
        x.refuse(400, missing, None if name == "xai" else "missing_required_parameter")
    x.within_context(x.prompt_tokens, info.context_window)


@lru_cache(maxsize=64)
def _encoded(pieces: tuple[str, ...]) -> tuple[str, ...]:
    """Each piece as a JSON string literal, encoded once per distinct answer (benchmarks repeat one)."""
    return tuple(dumps(piece) for piece in pieces)


def _function(call: ToolCall, index: int | None = None) -> dict[str, Any]:
    """A tool call as chat completions carry it; streamed ones also have their ``index``."""
    where = {} if index is None else {"index": index}
    function = {"name": call.name, "arguments": call.arguments}
    return {"id": call.id, "function": function, **where, "type": "function"}


class _Chat:
    """An :class:`Answer` as a ``chat.completion`` or a ``chat.completion.chunk`` stream."""

    def __init__(self, answer: Answer, raw_request: bytes, usage_chunk: bool) -> None:
        self.answer, self.usage_chunk = answer, usage_chunk
        self.id, self.created = str(uuid.uuid4()), int(time.time())
        digest = hashlib.md5(answer.model.encode()).hexdigest()
        self.tier = answer.model.startswith("grok-4.3")  # 16 hex digits and a service tier since Jun 2026
        self.fingerprint = f"fp_{digest[:16] if self.tier else digest[:10]}"
        seed = zlib.crc32(raw_request)  # ids derived from the request: same request, same ids
        numbers = [zlib.crc32(i.to_bytes(4, "big"), seed) % 10**8 for i in range(len(answer.calls))]
        pairs = zip(answer.calls, numbers, strict=True)
        self.calls = [call if call.id else replace(call, id=f"call_{n:08d}") for call, n in pairs]
        self.head = f'{{"id":"{self.id}","object":"chat.completion.chunk","created":{self.created},'
        self.head += f'"model":{dumps(answer.model)},"choices":['
        tier = ',"service_tier":"default"' if self.tier else ""
        self.tail = f',"system_fingerprint":"{self.fingerprint}"{tier}}}'

    def usage(self) -> dict[str, Any]:
        a = self.answer
        text, images = a.prompt_tokens - a.image_tokens, a.image_tokens
        prompt = dict(text_tokens=text, audio_tokens=0, image_tokens=images, cached_tokens=a.cached_tokens)
        completion = dict(reasoning_tokens=a.reasoning_tokens, audio_tokens=0, accepted_prediction_tokens=0)
        usage = {
            "prompt_tokens": a.prompt_tokens,
            "completion_tokens": a.completion_tokens,
            "total_tokens": a.prompt_tokens + a.completion_tokens + a.reasoning_tokens,
            "prompt_tokens_details": prompt,
            "completion_tokens_details": {**completion, "rejected_prediction_tokens": 0},
            "num_sources_used": 0,
            "cost_in_usd_ticks": a.cost_ticks(runs=0),
        }
        return with_overrides(usage, a.usage, _CHAT_TOTAL)

    def json(self) -> dict[str, Any]:
        a = self.answer
        message: dict[str, Any] = {"role": "assistant", "content": "".join(a.text)}
        if a.reasoning is not None:
            message["reasoning_content"] = "".join(a.reasoning)
        if self.calls:
            message["tool_calls"] = [_function(call) for call in self.calls]
        message["refusal"] = None
        choice = {"index": 0, "message": message, "finish_reason": a.finish_reason}
        body = {"id": self.id, "object": "chat.completion", "created": self.created, "model": a.model}
        body["choices"] = [choice]
        body |= {"usage": self.usage(), "system_fingerprint": self.fingerprint}
        if self.tier:
            body["service_tier"] = "default"
        if a.citations:
            body["citations"] = [c.url for c in a.citations]
        return body

    def _deltas(self) -> list[bytes]:
        """The content-bearing chunks: reasoning pieces, content pieces, then one per tool call."""
        head, tail = f'data: {self.head}{{"index":0,"delta":{{', f"}}}}]{self.tail}\n\n"
        events, role = [], ',"role":"assistant"'
        for piece in _encoded(self.answer.reasoning or ()):
            events.append(f'{head}"reasoning_content":{piece}{role}{tail}'.encode())
            role = ""
        for piece in _encoded(self.answer.text):
            events.append(f'{head}"content":{piece}{role}{tail}'.encode())
            role = ""
        for index, call in enumerate(self.calls):
            opener = '"role":"assistant",' if role else ""
            events.append(f'{head}{opener}"tool_calls":[{dumps(_function(call, index))}]{tail}'.encode())
            role = ""
        if role:  # nothing at all to say: the role still arrives, with empty content
            events.append(f'{head}"content":"","role":"assistant"{tail}'.encode())
        return events

    def events(self) -> list[bytes]:
        finish = f'{{"index":0,"delta":{{}},"finish_reason":{dumps(self.answer.finish_reason)}}}'
        events = [*self._deltas(), f"data: {self.head}{finish}]{self.tail}\n\n".encode()]
        if self.usage_chunk:
            events.append(f'data: {self.head}],"usage":{dumps(self.usage())}{self.tail}\n\n'.encode())
        return [*events, _DONE]

    def malformed_events(self) -> list[bytes]:
        return [b"data: {not json\n\n", _DONE]

    def error_events(self, reply: Reply) -> list[bytes]:
        return [*self._deltas()[: reply.after], f"data: {dumps(self.error_body(reply))}\n\n".encode()]

    def error_body(self, reply: Reply) -> dict[str, Any]:
        return {"code": reply.code, "error": reply.message}
