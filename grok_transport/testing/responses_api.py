r"""``POST /v1/responses``: xAI's Responses API, shaped like the Aug-2026 grok-4.3 recordings.

The object, its items, ids, usage arithmetic and event stream follow the recordings key for key
(docs/wire.md, "Responses API"). Where nothing was recorded: streamed server-tool events and
``response.output_text.annotation.added`` follow vercel-ai's xAI fixtures; ``x_search_call``
(``xs_``) and ``code_interpreter_call`` (``ci_``) mirror ``web_search_call``. Answers are stored
for ``previous_response_id`` unless ``store: false``; the stored prefix counts as cached tokens.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

from .._catalogue import ModelInfo, lookup
from . import collections, mcp, media
from ._http import Response, StreamResponse
from .answer import Answer, decide
from .conversation import input_items, read_responses, text_format
from .dialects import kebab_code
from .exchange import Exchange, dumps, render, with_overrides
from .replies import SERVER_TOOL_TYPES, Reply, ServerToolRun
from .state import StoredResponse

__all__ = ["responses"]

_MARKER = re.compile(r"\[\[(\d+)\]\]\(([^)\s]+)\)")
_ROLES = ("assistant", "developer", "system", "user")
_ITEM_TYPES = ("message", "function_call", "function_call_output", "reasoning", "item_reference")
_TOOL_TYPES = ("function", *SERVER_TOOL_TYPES)  # serde's order
_USAGE_KINDS = ("web_search", "x_search", "code_interpreter", "file_search", "mcp", "document_search")
_CALL_PREFIX = {"web_search": "ws", "x_search": "xs", "code_interpreter": "ci", "file_search": "fs"}
Item = tuple[dict[str, Any], tuple[str, ...]]  # an output item and the pieces its text streams in


def responses(x: Exchange) -> Response | StreamResponse:
    """Validate, resolve ``previous_response_id``, take the script or the stand-in, render, store."""
    body = x.body("struct CreateResponseRequest")
    info = lookup(body["model"] if isinstance(body.get("model"), str) else "", "xai")
    _validate(x, body, info)
    prior: tuple[Any, ...] = ()
    cached = 0
    previous = body.get("previous_response_id")
    if previous is not None:
        stored = x.state.responses.get(str(previous))
        if stored is None:
            x.refuse(404, f"Previous response with id '{previous}' not found.")
        prior, cached = stored.items, stored.tokens
    x.within_context(x.prompt_tokens + cached, info.context_window)
    conversation = read_responses(body, prior, info)
    conversation.prompt_tokens, conversation.image_tokens = x.prompt_tokens, x.image_tokens
    conversation.cached_tokens = cached
    documents = media.attached_documents(x, [*prior, *input_items(body["input"])])
    calls = mcp.mcp_calls(x, body, conversation)
    reply = x.next_reply()
    if reply is None:
        reply = collections.file_search_reply(x, body.get("tools") or (), conversation)
    if reply is None:
        reply = media.document_reply(conversation, documents)
    if reply is None and calls:
        reply = mcp.mcp_reply(calls)
    wire = _Responses(body, decide(conversation, reply))
    wire.items[:0] = mcp.numbered(calls, wire.id)  # xAI reports the MCP calls before the answer
    if wire.store and (reply is None or reply.kind in ("text", "tool_calls")):
        inputs = tuple(input_items(body["input"]))
        tokens = wire.answer.prompt_tokens + wire.output_tokens
        stored = StoredResponse((*prior, *inputs, *wire.output()), tokens, wire.json, inputs)
        x.state.store_response(wire.id, stored)
    return render(wire, reply, body.get("stream") is True)


def _validate(x: Exchange, body: Mapping[str, Any], info: ModelInfo) -> None:
    """The refusals made before anything is generated, in the order the API makes them."""
    x.require(body, "model", "input")
    x.check_model(x.expect(body, "model"))
    value = x.expect(body, "input", (str, list), "a string or a sequence")
    for index, item in enumerate(value if isinstance(value, list) else ()):
        at = f"input[{index}]"
        if not isinstance(item, Mapping):
            x.bad(f"{at}: invalid type: expected an input item at line 1 column 1")
        kind = item.get("type")
        if kind in (None, "message") and item.get("role") not in _ROLES:
            roles = ", ".join(f"`{r}`" for r in _ROLES)
            x.bad(f"{at}.role: unknown variant `{item.get('role')}`, expected one of {roles}")
        if kind in (None, "message") and not isinstance(item.get("content"), (str, list)):
            x.bad(f"{at}: missing field `content`")
        if kind == "function_call_output" and "call_id" not in item:
            x.bad(f"{at}: missing field `call_id`")
        if kind not in (None, *_ITEM_TYPES) and not (isinstance(kind, str) and kind.endswith("_call")):
            x.bad(f"{at}.type: unknown variant `{kind}`")
    if body.get("instructions") is not None:
        x.expect(body, "instructions")
    if body.get("tools") is not None:
        x.expect(body, "tools", list, "a sequence")
    for index, tool in enumerate(body.get("tools") or ()):
        kind = tool.get("type") if isinstance(tool, Mapping) else None
        if kind not in _TOOL_TYPES:
            expected = ", ".join(f"`{t}`" for t in _TOOL_TYPES)
            x.bad(f"tools[{index}].type: unknown variant `{kind}`, expected one of {expected}")
        if kind == "function" and not isinstance(tool.get("name"), str):
            x.bad(f"tools[{index}]: missing field `name`")
    reasoning = body.get("reasoning")
    if reasoning is not None:
        x.expect(body, "reasoning", Mapping, "a struct")
        if reasoning.get("effort") is not None and info.known and not info.accepts("reasoning_effort"):
            x.refuse(400, f"Model {body['model']} does not support parameter reasoningEffort.")
    fmt = text_format(body)
    if fmt.get("type") == "json_schema" and not isinstance(fmt.get("schema"), Mapping):
        x.refuse(400, "Missing required parameter: 'text.format.schema'.")


def _float(value: Any, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _echo_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    """A tool as the answer lists it: ``description`` before ``name``, ``strict`` last."""
    if tool.get("type") == "web_search":
        return {"type": "web_search", "search_context_size": "medium", **tool}
    if tool.get("type") != "function":
        return dict(tool)
    echoed = {k: tool[k] for k in ("type", "description", "name", "parameters") if k in tool}
    return {**echoed, "strict": tool.get("strict", False)}


def _pending(item: dict[str, Any]) -> dict[str, Any]:
    """An output item as ``response.output_item.added`` announces it: in progress, still empty."""
    pending: dict[str, Any] = {}
    for key, value in item.items():
        if key in ("summary", "content", "arguments"):
            value = type(value)()
        elif key == "action":
            value = {k: v if k == "type" else type(v)() for k, v in value.items()}
        if key != "encrypted_content":
            pending[key] = "in_progress" if key == "status" else value
    return pending


class _Responses:
    """An :class:`Answer` as a Responses object or a Responses event stream."""

    def __init__(self, body: Mapping[str, Any], answer: Answer) -> None:
        self.body, self.answer = body, answer
        self.id = str(uuid.uuid4())
        self.created = int(time.time())
        self.store = body.get("store", True) is not False
        self.structured = text_format(body).get("type") in ("json_schema", "json_object")
        self.status = "incomplete" if answer.incomplete else "completed"
        include = body.get("include")
        self.encrypted = isinstance(include, list) and "reasoning.encrypted_content" in include
        # Derived from the request without ``stream``: both ways of asking get the same call ids.
        seed = dumps({k: v for k, v in body.items() if k != "stream"}).encode()
        self.call_uuid = str(uuid.UUID(bytes=hashlib.blake2b(seed, digest_size=16).digest(), version=4))
        self.output_tokens = answer.completion_tokens + answer.reasoning_tokens
        self.items = self._layout()

    def _echo(self, output: list[Any], usage: Any, status: str, completed_at: int | None) -> dict[str, Any]:
        """The response object, keys in the recorded order."""
        body, model = self.body, self.answer.model
        asked = body["reasoning"] if isinstance(body.get("reasoning"), Mapping) else {}
        effort = asked.get("effort") or ("low" if lookup(str(body["model"]), "xai").reasoning else None)
        fmt = text_format(body)
        if fmt.get("type") == "json_schema":
            fmt = {"type": "json_schema", "schema": fmt.get("schema")}
        return {
            "created_at": self.created,
            "completed_at": completed_at,
            "id": self.id,
            "max_output_tokens": body.get("max_output_tokens"),
            "model": model,
            "object": "response",
            "output": output,
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": {"effort": effort, "summary": asked.get("summary") or (effort and "detailed")},
            "temperature": _float(body.get("temperature"), 0.7),
            "text": {"format": dict(fmt)},
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": [_echo_tool(tool) for tool in body.get("tools") or ()],
            "top_p": _float(body.get("top_p"), 0.95),
            "usage": usage,
            "user": body.get("user"),
            "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
            "status": status,
            "store": self.store,
            "metadata": {"system_fingerprint": f"fp_{hashlib.md5(model.encode()).hexdigest()[:16]}"},
            "background": False,
            "service_tier": "default",
            "truncation": "disabled",
            "top_logprobs": 0,
            "presence_penalty": _float(body.get("presence_penalty"), 0.0),
            "frequency_penalty": _float(body.get("frequency_penalty"), 0.0),
            "prompt_cache_key": body.get("prompt_cache_key"),
            "max_tool_calls": body.get("max_tool_calls"),
            "safety_identifier": body.get("safety_identifier"),
            "error": None,
            "instructions": body.get("instructions"),
        }

    def output(self) -> list[dict[str, Any]]:
        return [data for data, _ in self.items]

    def usage(self) -> dict[str, Any]:
        a, runs, output = self.answer, self.answer.runs, self.output_tokens
        usage: dict[str, Any] = {
            "input_tokens": a.prompt_tokens,
            "input_tokens_details": {"cached_tokens": a.cached_tokens},
            "output_tokens": output,
            "output_tokens_details": {"reasoning_tokens": a.reasoning_tokens},
            "total_tokens": a.prompt_tokens + output,
            "num_sources_used": 0,  # recorded as 0 even after searches (Aug 2026)
            "num_server_side_tools_used": len(runs),
            "cost_in_usd_ticks": a.cost_ticks(runs=len(runs)),
        }
        if runs:
            kinds = [run.type for run in runs]
            details = {f"{kind}_calls": kinds.count(kind) for kind in (*_USAGE_KINDS, "image_generation")}
            usage["server_side_tool_usage_details"] = details
        usage["context_details"] = {"input_tokens": a.prompt_tokens, "output_tokens": output}
        return with_overrides(usage, a.usage, ("input_tokens", "output_tokens"))

    def json(self) -> dict[str, Any]:
        return self._echo(self.output(), self.usage(), self.status, int(time.time()))

    # output items ----------------------------------------------------------------------------

    def _reasoning(self, item_id: str, summary: str | None, seed: str) -> dict[str, Any]:
        """A reasoning item; a ``tco_`` item prefixes its ``encrypted_content`` with its id, as recorded."""
        texts = [_summary(summary)] if summary else []
        item: dict[str, Any] = {"id": item_id, "summary": texts, "type": "reasoning", "status": "completed"}
        if self.encrypted:  # stands in for xAI's encrypted reasoning; seeded per request: streamed == plain
            blob = hashlib.shake_256(f"{self.call_uuid}:{seed}:{summary or ''}".encode()).digest(258)
            prefix = f"{item_id}_" if item_id.startswith("tco_") else ""
            item["encrypted_content"] = prefix + base64.b64encode(blob).decode()
        return item

    def _text(self) -> list[str]:
        """The text pieces, with a ``[[n]](url)`` marker appended for each citation not in them."""
        pieces = list(self.answer.text)
        if self.structured or self.answer.incomplete:  # markers would break JSON, or overrun the cut
            return pieces
        found = list(_MARKER.finditer("".join(pieces)))
        present = {m.group(2) for m in found}
        number = max((int(m.group(1)) for m in found), default=0)
        for citation in self.answer.citations:
            if citation.url not in present:
                number += 1
                present.add(citation.url)
                pieces.append(f"[[{number}]]({citation.url})")
        return pieces

    def _layout(self) -> list[Item]:
        """The output items in the recorded order (see the module docstring)."""
        a, rid, status = self.answer, self.id, self.status
        items: list[Item] = []
        if a.reasoning is not None:
            items.append((self._reasoning(f"rs_{rid}", "".join(a.reasoning), "rs"), a.reasoning))
        calls = [f"call-{self.call_uuid}-{n}" for n in range(len(a.runs))]  # runs and functions count alike
        for run, call in zip(a.runs, calls, strict=True):
            items.append((_server_call(run, f"{_CALL_PREFIX[run.type]}_{rid}_{call}"), ()))
        items += [(self._reasoning(f"tco_{rid}_{call}", None, call), ()) for call in calls]
        if a.reasoning is not None and calls:
            items.append((self._reasoning(f"rs_{rid}", None, "rs-after-tools"), ()))
        pieces = self._text()
        text = "".join(pieces)
        if text or not a.calls:
            titles = {c.url: c.title for c in a.citations if c.title is not None}
            marks = [] if self.structured else list(_MARKER.finditer(text))
            notes = [_note(m, titles.get(m[2], m[1])) for m in marks]
            part = {"type": "output_text", "text": text, "logprobs": [], "annotations": notes}
            message = dict(content=[part], id=f"msg_{rid}", role="assistant", type="message", status=status)
            items.append((message, tuple(pieces)))
        for index, function_call in enumerate(a.calls):
            call_id = function_call.id or f"call-{self.call_uuid}-{len(calls) + index}"
            name, arguments = function_call.name, function_call.arguments
            function = dict(arguments=arguments, call_id=call_id, name=name, type="function_call")
            items.append(({**function, "id": f"fc_{rid}_{index}", "status": "completed"}, ()))
        return items

    # the stream ------------------------------------------------------------------------------

    def events(self) -> list[bytes]:
        ev = _Events()
        started = self._echo([], None, "in_progress", None)
        ev.add("response.created", response=started)
        ev.add("response.in_progress", response=started)
        for index, (data, pieces) in enumerate(self.items):
            at = {"item_id": data["id"], "output_index": index}
            ev.add("response.output_item.added", item=_pending(data), output_index=index)
            if data["type"] == "message":
                _message_events(ev, at, data["content"][0], pieces)
            elif data["type"] == "reasoning" and data["summary"]:
                _summary_events(ev, at, data["summary"][0]["text"], pieces)
            elif data["type"] == "function_call":
                ev.add("response.function_call_arguments.delta", delta=data["arguments"], **at)
                ev.add("response.function_call_arguments.done", arguments=data["arguments"], **at)
            elif data["type"] != "reasoning":
                stage = "interpreting" if data["type"] == "code_interpreter_call" else "searching"
                mcp = data["type"] == "mcp_call"  # nothing to search: started, then done
                for step in ("in_progress", "completed") if mcp else ("in_progress", stage, "completed"):
                    ev.add(f"response.{data['type']}.{step}", **at)
            ev.add("response.output_item.done", item=data, output_index=index)
        ev.add(f"response.{self.status}", response=self.json())
        return ev.events

    def malformed_events(self) -> list[bytes]:
        return [*self.events()[:1], b"event: response.output_text.delta\ndata: {not json\n\n"]

    def error_events(self, reply: Reply) -> list[bytes]:
        """Up to ``reply.after`` text deltas of the answer, then an ``error`` event."""
        ev, deltas = _Events(), 0
        for index, event in enumerate(self.events()):
            if index >= 2 and deltas >= reply.after:
                break
            ev.events.append(event)
            deltas += event.startswith(b"event: response.output_text.delta\n")
        error = self.error_body(reply)
        ev.add("error", code=error["code"], message=error["error"], param=None)
        return ev.events

    def error_body(self, reply: Reply) -> dict[str, Any]:
        return {"code": kebab_code(reply.code or "unavailable"), "error": reply.message}


def _note(marker: re.Match[str], title: str | None) -> dict[str, Any]:
    """The ``url_citation`` annotation of one ``[[n]](url)`` marker."""
    start, end = marker.span()
    return {"type": "url_citation", "url": marker[2], "start_index": start, "end_index": end, "title": title}


def _server_call(run: ServerToolRun, item_id: str) -> dict[str, Any]:
    if run.type == "file_search":  # no action: queries and results at the item's top level
        results = [dict(result) for result in run.results]
        return {
            "id": item_id,
            "type": "file_search_call",
            "status": "completed",
            "queries": [run.query],
            "results": results,
        }
    if run.type == "code_interpreter":
        logs = [{"type": "logs", "logs": run.output or ""}]
        action: dict[str, Any] = {"type": "code", "code": run.query, "outputs": logs}
    else:
        sources = [{"type": "url", "url": url} for url in run.sources]
        action = {"type": "search", "query": run.query, "sources": sources}
    return {"id": item_id, "type": f"{run.type}_call", "status": "completed", "action": action}


class _Events:
    """Numbered SSE events, each ``event: <type>`` + ``data: <json>``."""

    def __init__(self) -> None:
        self.events: list[bytes] = []

    def add(self, kind: str, **fields: Any) -> None:
        payload = {"sequence_number": len(self.events), "type": kind, **fields}
        self.events.append(f"event: {kind}\ndata: {dumps(payload)}\n\n".encode())


def _summary(text: str) -> dict[str, str]:
    return {"text": text, "type": "summary_text"}


def _summary_events(ev: _Events, at: dict[str, Any], text: str, pieces: tuple[str, ...]) -> None:
    ev.add("response.reasoning_summary_part.added", **at, part=_summary(""), summary_index=0)
    for piece in pieces:
        ev.add("response.reasoning_summary_text.delta", delta=piece, **at, summary_index=0)
    ev.add("response.reasoning_summary_text.done", **at, summary_index=0, text=text)
    ev.add("response.reasoning_summary_part.done", **at, part=_summary(text), summary_index=0)


def _message_events(ev: _Events, at: dict[str, Any], part: dict[str, Any], pieces: tuple[str, ...]) -> None:
    part_at = {"content_index": 0, **at}
    ev.add("response.content_part.added", **part_at, part={**part, "text": "", "annotations": []})
    for piece in pieces:
        ev.add("response.output_text.delta", content_index=0, delta=piece, **at, logprobs=[])
    for number, note in enumerate(part["annotations"]):
        ev.add("response.output_text.annotation.added", annotation=note, annotation_index=number, **part_at)
    ev.add("response.output_text.done", **part_at, text=part["text"], logprobs=[])
    ev.add("response.content_part.done", **part_at, part=part)
