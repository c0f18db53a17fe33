r"""``POST /v1/responses``: xAI's Responses API, shaped like the Aug-2026 recordings.

Rendering follows the real grok-4.3 answers (RL ``chat_*_xai_grok-4-1-fast-non-reasoning_*``,
``chat_web_search_with_xai_grok-4_3_*``, ``chat_with_extended_thinking_*``; Aug 2026) key for key:

* the response object's 32 top-level keys in the recorded order; ``usage.output_tokens``
  includes reasoning and ``total_tokens = input_tokens + output_tokens``;
  ``server_side_tool_usage_details`` only when a server-side tool ran; ``metadata`` holds the
  ``system_fingerprint``; ``service_tier`` is ``"default"``; tools are echoed with
  ``description`` before ``name`` and web search gains ``search_context_size: "medium"``;
  a ``json_schema`` format is echoed without its ``name`` and ``strict``;
* output items, in the recorded order: a ``reasoning`` item (``rs_<id>``) with the summary;
  one ``web_search_call`` per search (``ws_<id>_call-<uuid>-<n>``, ``action.sources``), one
  ``tco_`` reasoning item per search and a second, empty ``rs_<id>`` item; the ``message``
  (``msg_<id>``) whose ``url_citation`` annotations point at ``[[n]](url)`` markers in its
  text; ``function_call`` items (``fc_<id>_<i>``, ``call_id`` ``call-<uuid>-<n>``).
  ``encrypted_content`` is present only when ``include`` asks for
  ``reasoning.encrypted_content`` (vercel-ai's xAI fixtures show it absent otherwise);
* the stream: ``event: <type>`` then ``data: <json>`` per event, ``sequence_number`` from 0,
  no ``[DONE]``; ``response.created`` and ``response.in_progress`` carry the object with
  ``status: "in_progress"``, ``output: []``, ``usage: null``; then each item's
  ``output_item.added`` … ``output_item.done`` with the recorded event kinds in between;
  ``response.completed`` (``response.incomplete`` when ``max_output_tokens`` cut the text)
  carries exactly the object the non-streamed call returns.

Not recorded in 2026, so taken from the nearest evidence: the streamed server-tool events
(``response.web_search_call.in_progress`` / ``.searching`` / ``.completed``) and
``response.output_text.annotation.added`` follow vercel-ai's xAI stream fixtures;
``x_search_call`` (``xs_``) and ``code_interpreter_call`` (``ci_``, ``action.type: "code"``)
mirror ``web_search_call``. Recorded streams echo ``reasoning`` as nulls and ``temperature`` as
float32 (``0.699999988079071``); here ``response.completed`` equals the non-streamed object on
purpose, so a client can rely on one shape.

Errors use :class:`.dialects.XaiResponsesDialect` (flat body, kebab-case ``code``). Faults of
:class:`.replies.Reply` work as on chat: ``cut_after`` events or bytes, ``first_byte_delay``,
``chunk_delay``; ``error_in_body`` is a 200 flat error body, or an ``error`` event after
``after`` text deltas; ``malformed_json`` is a truncated body or an undecodable event.

Token counts are the chat route's estimates (``len(text) // 4``, 256 per image). Answers are
stored for ``previous_response_id`` unless the request says ``store: false``; a follow-up's
stored prefix is reported as ``cached_tokens``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..catalogue import ModelInfo, lookup
from ._http import Response, StreamResponse
from .chat import response_model
from .dialects import kebab_code
from .replies import Reply, ServerToolRun, ToolCall, reasoning_for, split_words
from .responses_input import (
    Conversation,
    default_response_reply,
    input_items,
    read_conversation,
    text_format,
)
from .state import StoredResponse

if TYPE_CHECKING:
    from .endpoints import Exchange

__all__ = ["measure_input", "responses"]

_COMPACT = (",", ":")
_IMAGE_TOKENS = 256
_SERVER_TOOL_TICKS = 50_000_000  # $5 per 1,000 tool calls
_SSE_HEADERS = [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")]
_MARKER = re.compile(r"\[\[(\d+)\]\]\(([^)\s]+)\)")
_ROLES = ("assistant", "developer", "system", "user")
_ITEM_TYPES = frozenset({"message", "function_call", "function_call_output", "reasoning", "item_reference"})
_TOOL_TYPES = (
    "function",
    "web_search",
    "x_search",
    "code_interpreter",
    "code_execution",
    "file_search",
    "collections_search",
    "document_search",
    "mcp",
)
_CALL_PREFIX = {"web_search": "ws", "x_search": "xs", "code_interpreter": "ci"}
_USAGE_DETAILS = (
    "web_search_calls",
    "x_search_calls",
    "code_interpreter_calls",
    "file_search_calls",
    "mcp_calls",
    "document_search_calls",
    "image_generation_calls",
)
_ENCRYPTED = "reasoning.encrypted_content"


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=_COMPACT, ensure_ascii=False)


def _estimate(text: str) -> int:
    return (len(text) + 3) // 4 if text else 0


def _count_parts(content: Any) -> tuple[int, int]:
    """``(chars, images)`` of a string or a list of content parts."""
    if isinstance(content, str):
        return len(content), 0
    chars = images = 0
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, Mapping):
                continue
            if isinstance(part.get("text"), str):
                chars += len(part["text"])
            elif part.get("type") in ("input_image", "image_url"):
                images += 1
    return chars, images


def measure_input(body: Any) -> tuple[int, int]:
    """Estimated ``(input_tokens, image_tokens)`` of the request itself (not stored turns)."""
    if not isinstance(body, Mapping):
        return 0, 0
    chars = len(body["instructions"]) if isinstance(body.get("instructions"), str) else 0
    images = 0
    for item in input_items(body.get("input")):
        if not isinstance(item, Mapping):
            continue
        for key in ("content", "output", "arguments"):
            more_chars, more_images = _count_parts(item.get(key))
            chars += more_chars
            images += more_images
    tools = body.get("tools")
    if isinstance(tools, list) and tools:
        chars += len(_dumps(tools))
    image_tokens = images * _IMAGE_TOKENS
    return max(1, chars // 4) + image_tokens, image_tokens


# validation ----------------------------------------------------------------------------------


def _check_item(x: Exchange, index: int, item: Any) -> Response | None:
    dialect = x.dialect
    if not isinstance(item, Mapping):
        return dialect.bad_json(f"input[{index}]: invalid type: expected an input item at line 1 column 1")
    kind = item.get("type")
    if kind in (None, "message"):
        role = item.get("role")
        if role not in _ROLES:
            expected = ", ".join(f"`{r}`" for r in _ROLES)
            return dialect.bad_json(
                f"input[{index}].role: unknown variant `{role}`, expected one of {expected}"
            )
        if not isinstance(item.get("content"), (str, list)):
            return dialect.bad_json(f"input[{index}]: missing field `content`")
    elif kind == "function_call_output":
        if "call_id" not in item:
            return dialect.bad_json(f"input[{index}]: missing field `call_id`")
    elif kind not in _ITEM_TYPES and not (isinstance(kind, str) and kind.endswith("_call")):
        return dialect.bad_json(f"input[{index}].type: unknown variant `{kind}`")
    return None


def _check_tools(x: Exchange, tools: Any) -> Response | None:
    dialect = x.dialect
    if not isinstance(tools, list):
        return dialect.bad_json("tools: invalid type: expected a sequence at line 1 column 1")
    for index, tool in enumerate(tools):
        kind = tool.get("type") if isinstance(tool, Mapping) else None
        if kind not in _TOOL_TYPES:
            expected = ", ".join(f"`{t}`" for t in _TOOL_TYPES)
            return dialect.bad_json(
                f"tools[{index}].type: unknown variant `{kind}`, expected one of {expected}"
            )
        if kind == "function" and not isinstance(tool.get("name"), str):
            return dialect.bad_json(f"tools[{index}]: missing field `name`")
    return None


def _validate(x: Exchange, body: Mapping[str, Any], info: ModelInfo) -> Response | None:
    """The rejections made before anything is generated, in the order the API makes them."""
    dialect = x.dialect
    for required in ("model", "input"):
        if required not in body:
            return dialect.missing_field(required, x.request.body)
    if not isinstance(body["model"], str):
        return dialect.bad_json("model: invalid type: expected a string at line 1 column 1")
    value = body["input"]
    if not isinstance(value, (str, list)):
        return dialect.bad_json("input: invalid type: expected a string or a sequence at line 1 column 1")
    if isinstance(value, list):
        for index, item in enumerate(value):
            failure = _check_item(x, index, item)
            if failure is not None:
                return failure
    if body.get("instructions") is not None and not isinstance(body["instructions"], str):
        return dialect.bad_json("instructions: invalid type: expected a string at line 1 column 1")
    if body.get("tools") is not None:
        failure = _check_tools(x, body["tools"])
        if failure is not None:
            return failure
    reasoning = body.get("reasoning")
    if reasoning is not None and not isinstance(reasoning, Mapping):
        return dialect.bad_json("reasoning: invalid type: expected a struct at line 1 column 1")
    if (
        isinstance(reasoning, Mapping)
        and reasoning.get("effort") is not None
        and info.known
        and not info.accepts("reasoning_effort")
    ):
        return dialect.error(400, f"Model {body['model']} does not support parameter reasoningEffort.")
    fmt = text_format(body)
    if fmt.get("type") == "json_schema" and not isinstance(fmt.get("schema"), Mapping):
        return dialect.error(400, "Missing required parameter: 'text.format.schema'.")
    return None


# the echoed request --------------------------------------------------------------------------


def _number(value: Any, default: float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return default


def _echo_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    """A tool as the answer lists it: ``description`` before ``name``, ``strict`` last."""
    kind = tool.get("type")
    if kind == "function":
        echoed: dict[str, Any] = {"type": "function"}
        if "description" in tool:
            echoed["description"] = tool["description"]
        echoed["name"] = tool["name"]
        if "parameters" in tool:
            echoed["parameters"] = tool["parameters"]
        echoed["strict"] = tool.get("strict", False)
        return echoed
    if kind == "web_search":
        return {
            "type": "web_search",
            "search_context_size": "medium",
            **{k: v for k, v in tool.items() if k != "type"},
        }
    return dict(tool)


def _echo_format(fmt: Mapping[str, Any]) -> dict[str, Any]:
    if fmt.get("type") == "json_schema":
        return {"type": "json_schema", "schema": fmt.get("schema")}
    return dict(fmt)


@dataclass(frozen=True)
class _Meta:
    """The parts of the response object that do not depend on the answer."""

    id: str
    created_at: int
    model: str
    max_output_tokens: Any
    parallel_tool_calls: Any
    previous_response_id: Any
    reasoning: dict[str, Any]
    temperature: float
    text: dict[str, Any]
    tool_choice: Any
    tools: list[dict[str, Any]]
    top_p: float
    user: Any
    store: bool
    fingerprint: str
    presence_penalty: float
    frequency_penalty: float
    prompt_cache_key: Any
    max_tool_calls: Any
    safety_identifier: Any
    instructions: Any

    @classmethod
    def of(cls, body: Mapping[str, Any], info: ModelInfo, model: str) -> _Meta:
        requested = body.get("reasoning") if isinstance(body.get("reasoning"), Mapping) else {}
        effort = requested.get("effort") or ("low" if info.reasoning else None)
        summary = requested.get("summary") or ("detailed" if effort else None)
        tools = body.get("tools") if isinstance(body.get("tools"), list) else []
        fingerprint = f"fp_{hashlib.md5(model.encode()).hexdigest()[:16]}"
        return cls(
            id=str(uuid.uuid4()),
            created_at=int(time.time()),
            model=model,
            max_output_tokens=body.get("max_output_tokens"),
            parallel_tool_calls=body.get("parallel_tool_calls", True),
            previous_response_id=body.get("previous_response_id"),
            reasoning={"effort": effort, "summary": summary},
            temperature=_number(body.get("temperature"), 0.7),
            text={"format": _echo_format(text_format(body))},
            tool_choice=body.get("tool_choice", "auto"),
            tools=[_echo_tool(t) for t in tools],
            top_p=_number(body.get("top_p"), 0.95),
            user=body.get("user"),
            store=body.get("store", True) is not False,
            fingerprint=fingerprint,
            presence_penalty=_number(body.get("presence_penalty"), 0.0),
            frequency_penalty=_number(body.get("frequency_penalty"), 0.0),
            prompt_cache_key=body.get("prompt_cache_key"),
            max_tool_calls=body.get("max_tool_calls"),
            safety_identifier=body.get("safety_identifier"),
            instructions=body.get("instructions"),
        )

    def response(
        self,
        *,
        output: list[Any],
        usage: Any,
        status: str,
        completed_at: int | None,
        incomplete: Any = None,
    ) -> dict[str, Any]:
        """The response object, keys in the recorded order."""
        return {
            "created_at": self.created_at,
            "completed_at": completed_at,
            "id": self.id,
            "max_output_tokens": self.max_output_tokens,
            "model": self.model,
            "object": "response",
            "output": output,
            "parallel_tool_calls": self.parallel_tool_calls,
            "previous_response_id": self.previous_response_id,
            "reasoning": self.reasoning,
            "temperature": self.temperature,
            "text": self.text,
            "tool_choice": self.tool_choice,
            "tools": self.tools,
            "top_p": self.top_p,
            "usage": usage,
            "user": self.user,
            "incomplete_details": incomplete,
            "status": status,
            "store": self.store,
            "metadata": {"system_fingerprint": self.fingerprint},
            "background": False,
            "service_tier": "default",
            "truncation": "disabled",
            "top_logprobs": 0,
            "presence_penalty": self.presence_penalty,
            "frequency_penalty": self.frequency_penalty,
            "prompt_cache_key": self.prompt_cache_key,
            "max_tool_calls": self.max_tool_calls,
            "safety_identifier": self.safety_identifier,
            "error": None,
            "instructions": self.instructions,
        }


# the answer ----------------------------------------------------------------------------------


@dataclass
class _Item:
    """One output item and the pieces its text (or summary) streams in."""

    data: dict[str, Any]
    pieces: tuple[str, ...] = ()


@dataclass
class _Answer:
    meta: _Meta
    items: list[_Item]
    usage: dict[str, Any]
    incomplete: dict[str, Any] | None

    @property
    def status(self) -> str:
        return "completed" if self.incomplete is None else "incomplete"

    def response(self) -> dict[str, Any]:
        return self.meta.response(
            output=[i.data for i in self.items],
            usage=self.usage,
            status=self.status,
            completed_at=int(time.time()),
            incomplete=self.incomplete,
        )


def _opaque(seed: str) -> str:
    """A stable base64 string standing in for xAI's encrypted reasoning (never decrypted)."""
    blob = b"".join(hashlib.blake2b(f"{seed}:{i}".encode()).digest() for i in range(5))
    return base64.b64encode(blob[:258]).decode()


def _reasoning_item(item_id: str, summary: str | None, seed: str | None) -> dict[str, Any]:
    """A reasoning item; ``encrypted_content`` comes from ``seed`` (None: not asked for).

    ``tco_`` items prefix theirs with their own id, as recorded.
    """
    item: dict[str, Any] = {
        "id": item_id,
        "summary": [{"text": summary, "type": "summary_text"}] if summary else [],
        "type": "reasoning",
        "status": "completed",
    }
    if seed is not None:
        prefix = f"{item_id}_" if item_id.startswith("tco_") else ""
        item["encrypted_content"] = prefix + _opaque(f"{seed}:{summary or ''}")
    return item


def _server_call(run: ServerToolRun, item_id: str) -> dict[str, Any]:
    if run.type == "code_interpreter":
        action: dict[str, Any] = {
            "type": "code",
            "code": run.query,
            "outputs": [{"type": "logs", "logs": run.output or ""}],
        }
    else:
        action = {
            "type": "search",
            "query": run.query,
            "sources": [{"type": "url", "url": url} for url in run.sources],
        }
    return {"id": item_id, "type": f"{run.type}_call", "status": "completed", "action": action}


def _cited_text(reply: Reply, structured: bool) -> list[str]:
    """The text pieces, with a ``[[n]](url)`` marker appended for each uncited citation."""
    pieces = list(reply.content_pieces)
    if structured:  # markers would break the JSON; citations stay out of structured output
        return pieces
    text = "".join(pieces)
    found = list(_MARKER.finditer(text))
    present = {m.group(2) for m in found}
    number = max((int(m.group(1)) for m in found), default=0)
    for citation in reply.citations:
        if citation.url not in present:
            number += 1
            present.add(citation.url)
            pieces.append(f"[[{number}]]({citation.url})")
    return pieces


def _truncate(pieces: list[str], chars: int) -> list[str]:
    kept: list[str] = []
    for piece in pieces:
        if chars <= 0:
            break
        kept.append(piece[:chars])
        chars -= len(piece)
    return kept


def _annotations(text: str, reply: Reply) -> list[dict[str, Any]]:
    """One ``url_citation`` per marker; ``title`` is the marker's number unless scripted."""
    titles = {c.url: c.title for c in reply.citations if c.title is not None}
    return [
        {
            "type": "url_citation",
            "url": m.group(2),
            "start_index": m.start(),
            "end_index": m.end(),
            "title": titles.get(m.group(2), m.group(1)),
        }
        for m in _MARKER.finditer(text)
    ]


def _usage(
    reply: Reply,
    info: ModelInfo,
    text: str,
    summary: str | None,
    calls: Sequence[ToolCall],
    input_tokens: int,
    cached: int,
) -> dict[str, Any]:
    completion = _estimate(text + "".join(c.name + c.arguments for c in calls))
    reasoning = (max(1, _estimate(summary)) if summary else 0) + (
        16 + 3 * completion if info.reasoning else 0
    )
    output = completion + reasoning
    runs = reply.server_tools
    usage: dict[str, Any] = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input_tokens + output,
        "num_sources_used": 0,  # recorded as 0 even after searches (Aug 2026)
        "num_server_side_tools_used": len(runs),
        "cost_in_usd_ticks": (input_tokens - cached) * 2_000
        + cached * 500
        + output * 5_000
        + len(runs) * _SERVER_TOOL_TICKS,
    }
    if runs:
        counts = dict.fromkeys(_USAGE_DETAILS, 0)
        for run in runs:
            counts[f"{run.type}_calls"] += 1
        usage["server_side_tool_usage_details"] = counts
    usage["context_details"] = {"input_tokens": input_tokens, "output_tokens": output}
    if reply.usage:
        for key, value in reply.usage.items():
            if isinstance(value, Mapping) and isinstance(usage.get(key), dict):
                usage[key] = {**usage[key], **value}
            else:
                usage[key] = value
        if "total_tokens" not in reply.usage:
            usage["total_tokens"] = usage.get("input_tokens", 0) + usage.get("output_tokens", 0)
    return usage


def _summary_pieces(
    body: Mapping[str, Any], info: ModelInfo, reply: Reply, conversation: Conversation
) -> tuple[str, ...] | None:
    """The reasoning summary: scripted, else a default where a real model would show one.

    That is models that return their reasoning (``reasoning_content`` in the catalogue), and
    reasoning models whose request sets ``reasoning``.
    """
    if reply.reasoning_pieces is not None:
        return reply.reasoning_pieces
    asked = isinstance(body.get("reasoning"), Mapping) and info.reasoning
    if info.reasoning_content or asked:
        return split_words(reasoning_for(conversation.user_text))
    return None


def _message_pieces(
    body: Mapping[str, Any], reply: Reply, structured: bool
) -> tuple[list[str], dict[str, Any] | None]:
    """The text pieces with citation markers, cut to ``max_output_tokens`` (then incomplete)."""
    pieces = _cited_text(reply, structured)
    limit = body.get("max_output_tokens")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        return pieces, None
    if _estimate("".join(pieces)) <= limit:
        return pieces, None
    return _truncate(pieces, limit * 4), {"reason": "max_output_tokens"}


def _layout(
    rid: str,
    call_uuid: str,
    reply: Reply,
    summary: tuple[str, ...] | None,
    pieces: list[str],
    *,
    structured: bool,
    incomplete: dict[str, Any] | None,
    encrypted: bool,
) -> list[_Item]:
    """The output items in the recorded order (see the module docstring)."""

    def seed(what: str) -> str | None:  # per request, not per response id: streamed == plain
        return f"{call_uuid}:{what}" if encrypted else None

    items: list[_Item] = []
    if summary is not None:
        items.append(_Item(_reasoning_item(f"rs_{rid}", "".join(summary), seed("rs")), summary))
    number = 0  # call-<uuid>-<n> counts server-side and function calls alike
    run_calls = []
    for run in reply.server_tools:
        run_calls.append(f"call-{call_uuid}-{number}")
        number += 1
        items.append(_Item(_server_call(run, f"{_CALL_PREFIX[run.type]}_{rid}_{run_calls[-1]}")))
    items.extend(_Item(_reasoning_item(f"tco_{rid}_{call}", None, seed(call))) for call in run_calls)
    if summary is not None and run_calls:
        items.append(_Item(_reasoning_item(f"rs_{rid}", None, seed("rs-after-tools"))))
    text = "".join(pieces)
    if text or not reply.calls:
        annotations = [] if structured else _annotations(text, reply)
        part = {"type": "output_text", "text": text, "logprobs": [], "annotations": annotations}
        status = "completed" if incomplete is None else "incomplete"
        message = {
            "content": [part],
            "id": f"msg_{rid}",
            "role": "assistant",
            "type": "message",
            "status": status,
        }
        items.append(_Item(message, tuple(pieces)))
    for index, call in enumerate(reply.calls):
        call_id = call.id or f"call-{call_uuid}-{number}"
        number += 1
        items.append(
            _Item(
                {
                    "arguments": call.arguments,
                    "call_id": call_id,
                    "name": call.name,
                    "type": "function_call",
                    "id": f"fc_{rid}_{index}",
                    "status": "completed",
                }
            )
        )
    return items


def _answer(
    x: Exchange,
    body: Mapping[str, Any],
    info: ModelInfo,
    reply: Reply,
    conversation: Conversation,
    context_tokens: int,
) -> _Answer:
    """Render ``reply`` for this request: the echoed request, the output items, the usage."""
    effort = (body.get("reasoning") or {}).get("effort")
    model = reply.model or response_model(body["model"], "xai", {"reasoning_effort": effort})
    meta = _Meta.of(body, info, model)
    include = body.get("include") if isinstance(body.get("include"), list) else []
    structured = text_format(body).get("type") in ("json_schema", "json_object")
    # Derived from the request without ``stream``, so both ways of asking get the same call ids.
    seed = _dumps({k: v for k, v in body.items() if k != "stream"}).encode()
    call_uuid = str(uuid.UUID(bytes=hashlib.blake2b(seed, digest_size=16).digest(), version=4))
    summary = _summary_pieces(body, info, reply, conversation)
    pieces, incomplete = _message_pieces(body, reply, structured)
    items = _layout(
        meta.id,
        call_uuid,
        reply,
        summary,
        pieces,
        structured=structured,
        incomplete=incomplete,
        encrypted=_ENCRYPTED in include,
    )
    input_tokens = x.prompt_tokens + context_tokens
    usage = _usage(
        reply,
        info,
        "".join(pieces),
        None if summary is None else "".join(summary),
        reply.calls,
        input_tokens,
        min(context_tokens, input_tokens),
    )
    return _Answer(meta, items, usage, incomplete)


# streaming -----------------------------------------------------------------------------------


class _Events:
    """Numbered SSE events, each ``event: <type>`` + ``data: <json>``."""

    def __init__(self) -> None:
        self.events: list[bytes] = []

    def add(self, kind: str, **fields: Any) -> None:
        payload = {"sequence_number": len(self.events), "type": kind, **fields}
        self.events.append(f"event: {kind}\ndata: {_dumps(payload)}\n\n".encode())


def _reasoning_events(ev: _Events, index: int, item: _Item) -> None:
    data = item.data
    item_id = data["id"]
    ev.add(
        "response.output_item.added",
        item={"id": item_id, "summary": [], "type": "reasoning", "status": "in_progress"},
        output_index=index,
    )
    if data["summary"]:
        text = data["summary"][0]["text"]
        ev.add(
            "response.reasoning_summary_part.added",
            item_id=item_id,
            output_index=index,
            part={"text": "", "type": "summary_text"},
            summary_index=0,
        )
        for piece in item.pieces:
            ev.add(
                "response.reasoning_summary_text.delta",
                delta=piece,
                item_id=item_id,
                output_index=index,
                summary_index=0,
            )
        ev.add(
            "response.reasoning_summary_text.done",
            item_id=item_id,
            output_index=index,
            summary_index=0,
            text=text,
        )
        ev.add(
            "response.reasoning_summary_part.done",
            item_id=item_id,
            output_index=index,
            part={"text": text, "type": "summary_text"},
            summary_index=0,
        )
    ev.add("response.output_item.done", item=data, output_index=index)


def _message_events(ev: _Events, index: int, item: _Item) -> None:
    data = item.data
    item_id = data["id"]
    part = data["content"][0]
    ev.add(
        "response.output_item.added",
        item={"content": [], "id": item_id, "role": "assistant", "type": "message", "status": "in_progress"},
        output_index=index,
    )
    ev.add(
        "response.content_part.added",
        content_index=0,
        item_id=item_id,
        output_index=index,
        part={"type": "output_text", "text": "", "logprobs": [], "annotations": []},
    )
    for piece in item.pieces:
        ev.add(
            "response.output_text.delta",
            content_index=0,
            delta=piece,
            item_id=item_id,
            output_index=index,
            logprobs=[],
        )
    for number, note in enumerate(part["annotations"]):
        ev.add(
            "response.output_text.annotation.added",
            annotation=note,
            annotation_index=number,
            content_index=0,
            item_id=item_id,
            output_index=index,
        )
    ev.add(
        "response.output_text.done",
        content_index=0,
        item_id=item_id,
        output_index=index,
        text=part["text"],
        logprobs=[],
    )
    ev.add("response.content_part.done", content_index=0, item_id=item_id, output_index=index, part=part)
    ev.add("response.output_item.done", item=data, output_index=index)


def _function_call_events(ev: _Events, index: int, item: _Item) -> None:
    data = item.data
    ev.add(
        "response.output_item.added",
        item={**data, "arguments": "", "status": "in_progress"},
        output_index=index,
    )
    ev.add(
        "response.function_call_arguments.delta",
        delta=data["arguments"],
        item_id=data["id"],
        output_index=index,
    )
    ev.add(
        "response.function_call_arguments.done",
        arguments=data["arguments"],
        item_id=data["id"],
        output_index=index,
    )
    ev.add("response.output_item.done", item=data, output_index=index)


def _server_call_events(ev: _Events, index: int, item: _Item) -> None:
    data = item.data
    kind = data["type"]
    code = kind == "code_interpreter_call"
    pending = (
        {"type": "code", "code": "", "outputs": []}
        if code
        else {"type": "search", "query": "", "sources": []}
    )
    ev.add(
        "response.output_item.added",
        item={"id": data["id"], "type": kind, "status": "in_progress", "action": pending},
        output_index=index,
    )
    for stage in ("in_progress", "interpreting" if code else "searching", "completed"):
        ev.add(f"response.{kind}.{stage}", item_id=data["id"], output_index=index)
    ev.add("response.output_item.done", item=data, output_index=index)


def _events(answer: _Answer) -> list[bytes]:
    ev = _Events()
    started = answer.meta.response(output=[], usage=None, status="in_progress", completed_at=None)
    ev.add("response.created", response=started)
    ev.add("response.in_progress", response=started)
    for index, item in enumerate(answer.items):
        kind = item.data["type"]
        if kind == "reasoning":
            _reasoning_events(ev, index, item)
        elif kind == "message":
            _message_events(ev, index, item)
        elif kind == "function_call":
            _function_call_events(ev, index, item)
        else:
            _server_call_events(ev, index, item)
    ev.add(f"response.{answer.status}", response=answer.response())
    return ev.events


# rendering -----------------------------------------------------------------------------------


def _render(answer: _Answer, reply: Reply, stream: bool) -> Response | StreamResponse:
    if stream:
        return StreamResponse(
            200,
            _events(answer),
            headers=list(_SSE_HEADERS),
            first_byte_delay=reply.first_byte_delay,
            chunk_delay=reply.chunk_delay,
            cut_after=reply.cut_after,
        )
    data = _dumps(answer.response()).encode()
    response = Response(200, data, first_byte_delay=reply.first_byte_delay)
    if reply.cut_after is not None:
        response.declared_length = len(data)
        response.body = data[: max(0, min(reply.cut_after, len(data) - 1))]
    return response


def _render_fault(answer: _Answer, reply: Reply, stream: bool) -> Response | StreamResponse:
    """Malformed JSON and errors inside a 200, built around the default answer."""
    if reply.kind == "malformed":
        if not stream:
            data = _dumps(answer.response()).encode()
            return Response(200, data[: len(data) // 2], first_byte_delay=reply.first_byte_delay)
        events = [*_events(answer)[:1], b"event: response.output_text.delta\ndata: {not json\n\n"]
        return StreamResponse(
            200, events, headers=list(_SSE_HEADERS), first_byte_delay=reply.first_byte_delay
        )
    code = kebab_code(reply.code or "unavailable")
    if not stream:
        flat = _dumps({"code": code, "error": reply.message})
        return Response(200, flat.encode(), first_byte_delay=reply.first_byte_delay)
    events = _events(answer)
    keep, deltas = 2, 0  # response.created and response.in_progress, then `after` text deltas
    for position, event in enumerate(events[2:], start=2):
        if deltas >= reply.after:
            break
        keep = position + 1
        deltas += event.startswith(b"event: response.output_text.delta\n")
    ev = _Events()
    ev.events = events[:keep]
    ev.add("error", code=code, message=reply.message, param=None)
    return StreamResponse(
        200,
        ev.events,
        headers=list(_SSE_HEADERS),
        first_byte_delay=reply.first_byte_delay,
        chunk_delay=reply.chunk_delay,
    )


def responses(x: Exchange) -> Response | StreamResponse:
    """Validate, resolve ``previous_response_id``, pick the scripted or default reply, render."""
    dialect = x.dialect
    if x.json_error is not None:
        return dialect.bad_json(x.json_error)
    body = x.json
    if not isinstance(body, Mapping):
        return dialect.bad_json("invalid type: expected struct CreateResponseRequest at line 1 column 1")
    model = body.get("model")
    info = lookup(model if isinstance(model, str) else "", "xai")
    failure = _validate(x, body, info)
    if failure is not None:
        return failure
    prior: tuple[Any, ...] = ()
    context_tokens = 0
    previous = body.get("previous_response_id")
    if previous is not None:
        stored = x.state.stored_response(str(previous))
        if stored is None:
            return dialect.error(404, f"Previous response with id '{previous}' not found.")
        prior, context_tokens = stored.items, stored.tokens
    tokens = x.prompt_tokens + context_tokens
    if tokens > info.context_window:
        return dialect.error(
            400,
            f"This model's maximum prompt length is {info.context_window} "
            f"but the request contains {tokens} tokens.",
        )
    items = [*prior, *input_items(body["input"])]
    conversation = read_conversation(items, body.get("instructions"))
    stream = body.get("stream") is True
    reply = x.state.next_reply()
    if reply is None:
        reply = default_response_reply(body, conversation, info)
    if reply.kind == "error":
        return x.error_reply(reply)
    x.billable = reply.kind != "error_in_body"
    if reply.kind in ("malformed", "error_in_body"):
        fallback = default_response_reply(body, conversation, info)
        return _render_fault(_answer(x, body, info, fallback, conversation, context_tokens), reply, stream)
    answer = _answer(x, body, info, reply, conversation, context_tokens)
    if answer.meta.store:
        usage = answer.usage
        x.state.store_response(
            answer.meta.id,
            StoredResponse(
                items=(*items, *(i.data for i in answer.items)),
                tokens=int(usage.get("input_tokens", 0)) + int(usage.get("output_tokens", 0)),
            ),
        )
    return _render(answer, reply, stream)
