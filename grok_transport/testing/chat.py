r"""``POST /v1/chat/completions``: reject what the real API rejects, then render a reply.

Rendering follows WIRE_FACTS §3 and §4 to the byte where the recordings pin it down:

* non-streamed: ``message`` keys in the order ``role, content, reasoning_content, tool_calls,
  refusal``; no ``logprobs``; tool calls without ``index``; ``content`` is ``""`` with tool calls;
* streamed: ``data: <json>\n\n`` events only; ``role`` rides on the first content, reasoning or
  tool-call chunk (after the text key, before ``tool_calls``, as recorded); intermediate chunks
  have no ``finish_reason`` key; each tool call is one whole chunk with ``index``; then
  ``{"index":0,"delta":{},"finish_reason":…}``; then the usage chunk with ``choices: []`` only if
  ``stream_options.include_usage`` is true; then ``data: [DONE]``;
* usage: ``total = prompt + completion + reasoning`` (xAI leaves reasoning out of completion);
* the response ``model`` resolves catalogue aliases on xAI (``grok-4-fast`` →
  ``grok-4-fast-reasoning``; ``grok-3-mini`` with high effort → ``grok-3-mini-high``);
* grok-4.3 answers carry a 16-hex fingerprint and ``"service_tier":"default"`` (Jun 2026);
* a reply's ``citations`` become the spec's top-level ``citations`` URL list (non-streamed only;
  no 2026 chat recording has one, since only the dead Live Search filled it); its
  ``server_tools`` exist on ``/v1/responses`` only and are not shown here.

Token counts are estimates (``len(text) // 4``, 256 per image part): close enough for a client's
accounting to be exercised, never claimed to match a real tokenizer.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..catalogue import ModelInfo, lookup
from ._http import Response, StreamResponse
from .replies import Reply, ToolCall, default_reply

if TYPE_CHECKING:
    from .endpoints import Exchange

__all__ = ["chat_completions", "measure_prompt"]

_COMPACT = (",", ":")
_IMAGE_TOKENS = 256
_XAI_ROLES = frozenset({"system", "user", "assistant", "tool", "developer", "function"})
_GROKINC_ROLES = frozenset({"user", "assistant"})
_PARAM_NAMES = {
    "reasoning_effort": "reasoningEffort",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
}
_SSE_HEADERS = [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")]
_DONE = b"data: [DONE]\n\n"


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=_COMPACT, ensure_ascii=False)


def measure_prompt(body: Any) -> tuple[int, int]:
    """Estimated ``(prompt_tokens, image_tokens)`` of a chat request: chars // 4 plus images."""
    if not isinstance(body, Mapping):
        return 0, 0
    chars = 0
    images = 0
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in messages:
            if not isinstance(message, Mapping):
                continue
            content = message.get("content")
            if isinstance(content, str):
                chars += len(content)
            elif isinstance(content, list):
                for part in content:
                    if not isinstance(part, Mapping):
                        continue
                    if isinstance(part.get("text"), str):
                        chars += len(part["text"])
                    elif part.get("type") in ("image_url", "input_image"):
                        images += 1
            for call in message.get("tool_calls") or ():
                if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping):
                    chars += len(str(call["function"].get("arguments", "")))
    tools = body.get("tools")
    if isinstance(tools, list) and tools:
        chars += len(_dumps(tools))
    image_tokens = images * _IMAGE_TOKENS
    return max(1, chars // 4) + image_tokens, image_tokens


def _estimate(text: str) -> int:
    return (len(text) + 3) // 4 if text else 0


# validation ----------------------------------------------------------------------------------


def _validate(x: Exchange, body: Mapping[str, Any], info: ModelInfo) -> Response | None:
    """The rejections the real API makes before generating anything, in its order."""
    dialect = x.dialect
    name = dialect.name
    for required in ("model", "messages"):
        if required not in body:
            return dialect.missing_field(required, x.request.body)
    if not isinstance(body["model"], str):
        return dialect.bad_json("model: invalid type: expected a string at line 1 column 1")
    messages = body["messages"]
    if not isinstance(messages, list):
        return dialect.bad_json("messages: invalid type: expected a sequence at line 1 column 1")
    allowed = _GROKINC_ROLES if name == "grokinc" else _XAI_ROLES
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, Mapping) else None
        if role in allowed:
            continue
        if name == "grokinc":
            return dialect.error(
                400,
                f"invalid role '{role}' in messages[{index}]: grok inc only takes "
                "'user' and 'assistant' messages.",
            )
        expected = ", ".join(f"`{r}`" for r in sorted(_XAI_ROLES))
        return dialect.bad_json(
            f"messages[{index}].role: unknown variant `{role}`, expected one of {expected}"
        )
    tools = body.get("tools")
    if name == "xai" and isinstance(tools, list):
        for index, tool in enumerate(tools):
            kind = tool.get("type", "function") if isinstance(tool, Mapping) else None
            if kind not in ("function", "live_search"):
                # Server-side tools live on /v1/responses; chat completions' serde rejects them.
                return dialect.bad_json(
                    f"tools[{index}].type: unknown variant `{kind}`, expected `function` or `live_search`"
                )
    if name == "xai" and "search_parameters" in body:
        return dialect.error(
            410,
            "Live search is deprecated. Please switch to the Agent Tools API: "
            "https://docs.x.ai/docs/guides/tools/overview",
        )
    if name != "grokinc":
        if info.known:
            for param in ("reasoning_effort", "stop", "presence_penalty", "frequency_penalty"):
                if body.get(param) is not None and param in info.rejected_params:
                    if param == "stop":
                        message = "Argument not supported on this model: stop"
                    else:
                        message = f"Model {body['model']} does not support parameter {_PARAM_NAMES[param]}."
                    return dialect.error(400, message, None if name == "xai" else "unsupported_parameter")
        response_format = body.get("response_format")
        if isinstance(response_format, Mapping) and response_format.get("type") == "json_schema":
            spec = response_format.get("json_schema")
            if not isinstance(spec, Mapping) or "schema" not in spec:
                return dialect.error(
                    400,
                    "Missing required parameter: 'response_format.json_schema.schema'.",
                    None if name == "xai" else "missing_required_parameter",
                )
    tokens = x.prompt_tokens
    if tokens > info.context_window:
        return dialect.error(
            400,
            f"This model's maximum prompt length is {info.context_window} but the request "
            f"contains {tokens} tokens.",
            None if name == "xai" else "context_length_exceeded",
        )
    return None


# rendering -----------------------------------------------------------------------------------


def response_model(requested: str, provider: str, body: Mapping[str, Any]) -> str:
    """The ``model`` the answer reports: xAI resolves aliases server-side, proxies echo."""
    if provider != "xai":
        return requested
    info = lookup(requested, "xai")
    name = info.name if info.known else requested
    if name == "grok-3-mini" and (
        requested == "grok-3-mini-high" or body.get("reasoning_effort") in ("high", "medium")
    ):
        return "grok-3-mini-high"
    return name


def _fingerprint(model: str) -> tuple[str, bool]:
    """A stable per-model ``system_fingerprint``; grok-4.3 has 16 hex digits and a tier."""
    digest = hashlib.md5(model.encode()).hexdigest()
    if model.startswith("grok-4.3"):
        return f"fp_{digest[:16]}", True
    return f"fp_{digest[:10]}", False


def _call_ids(reply: Reply, raw: bytes) -> list[ToolCall]:
    """Fill missing ids with ``call_`` + 8 digits derived from the request and position."""
    seed = zlib.crc32(raw)
    calls = []
    for index, call in enumerate(reply.calls):
        if call.id is None:
            digits = zlib.crc32(index.to_bytes(4, "big"), seed) % 100_000_000
            call = ToolCall(call.name, call.arguments, f"call_{digits:08d}")
        calls.append(call)
    return calls


def _usage(reply: Reply, calls: list[ToolCall], prompt: int, images: int, info: ModelInfo) -> dict[str, Any]:
    completion = _estimate(reply.content + "".join(c.name + c.arguments for c in calls))
    if reply.reasoning_pieces is not None:
        reasoning = max(1, _estimate(reply.reasoning or ""))
    elif info.reasoning:  # hidden reasoning: counted, never shown (grok-4, grok-4-fast-reasoning)
        reasoning = 16 + 3 * completion
    else:
        reasoning = 0
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion + reasoning,
        "prompt_tokens_details": {
            "text_tokens": prompt - images,
            "audio_tokens": 0,
            "image_tokens": images,
            "cached_tokens": 0,
        },
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
        "num_sources_used": 0,
        "cost_in_usd_ticks": prompt * 2_000 + (completion + reasoning) * 5_000,
    }
    if reply.usage:
        for key, value in reply.usage.items():
            if isinstance(value, Mapping) and isinstance(usage.get(key), dict):
                usage[key] = {**usage[key], **value}
            else:
                usage[key] = value
        if "total_tokens" not in reply.usage:
            details = usage.get("completion_tokens_details")
            hidden = details.get("reasoning_tokens", 0) if isinstance(details, Mapping) else 0
            usage["total_tokens"] = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0) + hidden
    return usage


class _Envelope:
    """The fields every chunk of one answer repeats, pre-serialised once."""

    def __init__(self, model: str) -> None:
        self.id = str(uuid.uuid4())
        self.created = int(time.time())
        self.model = model
        self.fingerprint, self.tier = _fingerprint(model)
        self.head = (
            f'{{"id":"{self.id}","object":"chat.completion.chunk",'
            f'"created":{self.created},"model":{_dumps(model)},"choices":['
        )
        self.fields = (
            f',"system_fingerprint":"{self.fingerprint}"'
            + (',"service_tier":"default"' if self.tier else "")
            + "}"
        )

    def choice_event(self, choice: str) -> bytes:
        return f"data: {self.head}{choice}]{self.fields}\n\n".encode()

    def delta_event(self, delta: str) -> bytes:
        return self.choice_event(f'{{"index":0,"delta":{delta}}}')

    def usage_event(self, usage: dict[str, Any]) -> bytes:
        return f'data: {self.head}],"usage":{_dumps(usage)}{self.fields}\n\n'.encode()

    def completion(self, message: dict[str, Any], finish: str, usage: dict) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": usage,
            "system_fingerprint": self.fingerprint,
        }
        if self.tier:
            body["service_tier"] = "default"
        return body


def _delta_events(envelope: _Envelope, reply: Reply, calls: list[ToolCall]) -> list[bytes]:
    """The content-bearing chunks: reasoning pieces, content pieces, then one per tool call."""
    events = []
    role = ',"role":"assistant"'
    for piece in reply.encoded_reasoning:
        events.append(envelope.delta_event(f'{{"reasoning_content":{piece}{role}}}'))
        role = ""
    for piece in reply.encoded_content:
        events.append(envelope.delta_event(f'{{"content":{piece}{role}}}'))
        role = ""
    for index, call in enumerate(calls):
        item = _dumps(
            {
                "id": call.id,
                "function": {"name": call.name, "arguments": call.arguments},
                "index": index,
                "type": "function",
            }
        )
        opener = '"role":"assistant",' if role else ""
        events.append(envelope.delta_event(f'{{{opener}"tool_calls":[{item}]}}'))
        role = ""
    if role:  # nothing at all to say: the role still arrives, with empty content
        events.append(envelope.delta_event('{"content":"","role":"assistant"}'))
    return events


def _render(
    x: Exchange, reply: Reply, body: Mapping[str, Any], info: ModelInfo, stream: bool
) -> Response | StreamResponse:
    envelope = _Envelope(reply.model or response_model(body["model"], x.dialect.name, body))
    calls = _call_ids(reply, x.request.body)
    usage = _usage(reply, calls, x.prompt_tokens, x.image_tokens, info)
    finish = reply.finish_reason or ("tool_calls" if calls else "stop")
    if stream:
        events = _delta_events(envelope, reply, calls)
        events.append(envelope.choice_event(f'{{"index":0,"delta":{{}},"finish_reason":{_dumps(finish)}}}'))
        options = body.get("stream_options")
        if isinstance(options, Mapping) and options.get("include_usage") is True:
            events.append(envelope.usage_event(usage))
        events.append(_DONE)
        return StreamResponse(
            200,
            events,
            headers=list(_SSE_HEADERS),
            first_byte_delay=reply.first_byte_delay,
            chunk_delay=reply.chunk_delay,
            cut_after=reply.cut_after,
        )
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.reasoning_pieces is not None:
        message["reasoning_content"] = reply.reasoning
    if calls:
        message["tool_calls"] = [
            {"id": c.id, "function": {"name": c.name, "arguments": c.arguments}, "type": "function"}
            for c in calls
        ]
    message["refusal"] = None
    completion = envelope.completion(message, finish, usage)
    if reply.citations:  # the chat spec's top-level URL list; server tool runs are not shown
        completion["citations"] = [c.url for c in reply.citations]
    data = _dumps(completion).encode()
    response = Response(200, data, first_byte_delay=reply.first_byte_delay)
    if reply.cut_after is not None:
        response.declared_length = len(data)
        response.body = data[: max(0, min(reply.cut_after, len(data) - 1))]
    return response


def _render_fault(
    x: Exchange, reply: Reply, body: Mapping[str, Any], info: ModelInfo, stream: bool
) -> Response | StreamResponse:
    """Malformed JSON and errors inside a 200 (the two faults that are not HTTP errors)."""
    if reply.kind == "malformed":
        if stream:
            return StreamResponse(
                200,
                [b"data: {not json\n\n", _DONE],
                headers=list(_SSE_HEADERS),
                first_byte_delay=reply.first_byte_delay,
            )
        sample = _render(x, default_reply(body, provider=x.dialect.name, info=info), body, info, stream=False)
        truncated = sample.body[: len(sample.body) // 2]  # type: ignore[union-attr]
        return Response(200, truncated, first_byte_delay=reply.first_byte_delay)
    error = _dumps({"code": reply.code, "error": reply.message})
    if not stream:
        return Response(200, error.encode(), first_byte_delay=reply.first_byte_delay)
    envelope = _Envelope(response_model(body["model"], x.dialect.name, body))
    fallback = default_reply(body, provider=x.dialect.name, info=info)
    events = _delta_events(envelope, fallback, [])[: reply.after]
    events.append(f"data: {error}\n\n".encode())
    return StreamResponse(
        200,
        events,
        headers=list(_SSE_HEADERS),
        first_byte_delay=reply.first_byte_delay,
        chunk_delay=reply.chunk_delay,
    )


def chat_completions(x: Exchange) -> Response | StreamResponse:
    """Validate, pick the scripted or default reply, and render it for this request."""
    dialect = x.dialect
    if x.json_error is not None:
        return dialect.bad_json(x.json_error)
    body = x.json
    if not isinstance(body, Mapping):
        return dialect.bad_json("invalid type: expected struct ChatCompletionRequest at line 1 column 1")
    model = body.get("model")
    info = lookup(model if isinstance(model, str) else "", dialect.name)
    failure = _validate(x, body, info)
    if failure is not None:
        return failure
    stream = body.get("stream") is True
    reply = x.state.next_reply()
    if reply is None:
        reply = default_reply(body, provider=dialect.name, info=info)
    if reply.kind == "error":
        return x.error_reply(reply)
    x.billable = reply.kind != "error_in_body"
    if reply.kind in ("malformed", "error_in_body"):
        return _render_fault(x, reply, body, info, stream)
    return _render(x, reply, body, info, stream)
