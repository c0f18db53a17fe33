"""``/v1/responses`` answers, whole or streamed, read into :class:`~grok_transport.Answer`.

A Responses answer is a list of output items (docs/wire.md, "Responses API"): ``message`` items
with ``output_text`` parts and ``url_citation`` annotations, ``function_call`` items,
``reasoning`` items with a summary, and one ``*_call`` item per server-side tool run. They are
all kept verbatim in :attr:`Answer.output` so the next turn can replay them.

The stream is SSE with ``event:`` lines and no ``[DONE]``: it ends with ``response.completed``
(``response.incomplete`` when ``max_output_tokens`` cut it; ``response.failed`` or ``error`` when
it failed), whose ``response`` is the object the non-streamed call returns. Text and reasoning
summary deltas are passed on as they come; function calls and server tool runs when their item
is done (xAI sends them whole).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from grok_transport._answer import Answer, Citation, Delta, DeltaKind, ServerToolRun
from grok_transport._documents import file_search_action
from grok_transport._errors import UnexpectedResponseError, error_from_payload
from grok_transport._wire import ToolCall, Usage

__all__ = ["ResponsesStreamReader", "read_response"]

_NOTHING: tuple[Delta, ...] = ()
_FINAL = frozenset({"response.completed", "response.incomplete"})
_TEXT_DELTAS: dict[str, DeltaKind] = {
    "response.output_text.delta": "text",
    "response.reasoning_summary_text.delta": "reasoning",
}


def _wrong_shape(what: str, value: Any) -> UnexpectedResponseError:
    return UnexpectedResponseError(f"Responses API {what} has the wrong shape: {str(value)[:200]!r}")


def _finish_reason(status: str | None, tool_calls: list[ToolCall]) -> str | None:
    """Chat-completions terms: ``tool_calls`` when a function call waits, else ``stop``."""
    if status not in (None, "completed"):
        return "length" if status == "incomplete" else status
    return "tool_calls" if tool_calls else "stop"


_MCP_FIELDS = ("server_label", "name", "arguments", "output", "error", "tools")
"""What an ``mcp_call`` (or ``mcp_list_tools``) item says at its top level, where other runs have an
``action`` (docs/wire.md, "Remote MCP")."""


def _is_server_run(kind: Any) -> bool:
    """``*_call`` items (``web_search_call``, ``mcp_call``…), and a remote MCP server's tool listing."""
    return isinstance(kind, str) and (kind.endswith("_call") or kind == "mcp_list_tools")


def _server_tool_run(item: dict[str, Any]) -> ServerToolRun:
    action = file_search_action(item) if item["type"] == "file_search_call" else item.get("action") or {}
    if item["type"].startswith("mcp_"):
        action = {key: item[key] for key in _MCP_FIELDS if key in item}
    return ServerToolRun(id=item.get("id") or "", type=item["type"], status=item.get("status"), action=action)


def _function_call(item: dict[str, Any], index: int) -> ToolCall:
    return ToolCall(
        id=item.get("call_id") or item.get("id") or "",
        name=item.get("name") or "",
        arguments=item.get("arguments") or "",
        index=index,
    )


def read_response(data: Any, headers: Mapping[str, str] | None = None) -> Answer:
    """Read a ``response`` object."""
    if not isinstance(data, dict):
        raise _wrong_shape("body", data)
    output = data.get("output") or []
    if not isinstance(output, list):
        raise _wrong_shape("output", output)
    answer = Answer(
        id=data.get("id") or "",
        model=data.get("model") or "",
        output=output,
        raw=data,
        headers=dict(headers or {}),
        created=data.get("created_at"),
        service_tier=data.get("service_tier"),
        system_fingerprint=(data.get("metadata") or {}).get("system_fingerprint"),
    )
    texts: list[str] = []
    reasoning: list[str] = []
    for item in output:
        if not isinstance(item, dict):
            raise _wrong_shape("output item", item)
        kind = item.get("type")
        if kind == "message":
            _read_message(item, texts, answer.citations)
        elif kind == "function_call":
            answer.tool_calls.append(_function_call(item, len(answer.tool_calls)))
        elif kind == "reasoning":
            reasoning.extend(str(part.get("text") or "") for part in item.get("summary") or ())
        elif _is_server_run(kind):
            answer.server_tool_runs.append(_server_tool_run(item))
    answer.text = "".join(texts)
    answer.reasoning = "".join(reasoning) or None
    usage = data.get("usage")
    if usage is not None and not isinstance(usage, dict):
        raise _wrong_shape("usage", usage)
    answer.usage = Usage.from_dict(usage) if usage else None
    answer.finish_reason = _finish_reason(data.get("status"), answer.tool_calls)
    return answer


def _read_message(item: dict[str, Any], texts: list[str], citations: list[Citation]) -> None:
    for part in item.get("content") or ():
        if not isinstance(part, dict) or part.get("type") not in ("output_text", "text"):
            continue
        text = part.get("text") or ""
        if not isinstance(text, str):
            raise _wrong_shape("output_text", text)
        offset = sum(map(len, texts))
        texts.append(text)
        for note in part.get("annotations") or ():
            if note.get("type") == "url_citation" and note.get("url"):
                start, end = note.get("start_index"), note.get("end_index")
                citations.append(
                    Citation(
                        note["url"],
                        note.get("title"),
                        None if start is None else start + offset,
                        None if end is None else end + offset,
                    )
                )
            elif note.get("type") == "file_citation" and note.get("file_id"):  # OpenAI's form, no offsets
                citations.append(Citation(_file_url(note), note.get("filename")))


def _file_url(note: dict[str, Any]) -> str:
    """A cited collection file as the URL xAI documents for it, ``collections://<id>/files/<file_id>``."""
    collection = note.get("collection_id") or note.get("vector_store_id")
    return f"collections://{collection}/files/{note['file_id']}" if collection else str(note["file_id"])


class ResponsesStreamReader:
    """Turns Responses-API stream events into deltas and accumulates the answer."""

    __slots__ = ("_final", "_items", "_reasoning", "_text", "headers", "id", "model", "secret")

    def __init__(self, headers: dict[str, str], secret: str | None) -> None:
        self.headers = headers
        self.secret = secret
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._items: dict[int, dict[str, Any]] = {}
        self._final: Answer | None = None
        self.id = ""
        self.model = ""

    def read(self, payload: Any, event: str | None) -> Sequence[Delta]:
        """The deltas one decoded event adds."""
        if type(payload) is not dict:
            raise _wrong_shape("event", payload)
        kind = payload.get("type") or event or ""
        if kind in ("error", "response.failed") or ("error" in payload and "type" not in payload):
            failure = (payload.get("response") or {}).get("error") if kind == "response.failed" else payload
            body = {"error": failure} if isinstance(failure, str) else failure
            raise error_from_payload(200, body, headers=self.headers, secret=self.secret)
        if kind in _TEXT_DELTAS:
            text = payload.get("delta") or ""
            if type(text) is not str:
                raise _wrong_shape(kind, text)
            delta_kind = _TEXT_DELTAS[kind]
            (self._text if delta_kind == "text" else self._reasoning).append(text)
            return (Delta(delta_kind, text),)
        if kind == "response.output_item.done":
            return self._item_done(payload)
        if kind in ("response.created", "response.in_progress"):
            response = payload.get("response") or {}
            self.id, self.model = response.get("id") or "", response.get("model") or ""
        elif kind in _FINAL:
            self._final = read_response(payload.get("response") or {}, self.headers)
        return _NOTHING

    def _item_done(self, payload: dict[str, Any]) -> Sequence[Delta]:
        item = payload.get("item")
        if not isinstance(item, dict):
            raise _wrong_shape("output item", item)
        self._items[payload.get("output_index", len(self._items))] = item
        kind = item.get("type")
        if kind == "function_call":
            calls = sum(1 for done in self._items.values() if done.get("type") == "function_call")
            return (Delta("tool_call", tool_call=_function_call(item, calls - 1)),)
        if _is_server_run(kind):
            return (Delta("server_tool", server_tool=_server_tool_run(item)),)
        return _NOTHING

    @property
    def finished(self) -> bool:
        """Whether ``response.completed`` (or ``response.incomplete``) arrived."""
        return self._final is not None

    def answer(self) -> Answer:
        """The final answer once it arrived, else everything received so far."""
        if self._final is not None:
            return self._final
        partial = read_response(
            {
                "id": self.id,
                "model": self.model,
                "status": "incomplete",
                "output": [self._items[i] for i in sorted(self._items)],
            },
            self.headers,
        )
        streamed = "".join(self._text)
        if len(streamed) > len(partial.text):
            partial.text = streamed
        partial.reasoning = partial.reasoning or ("".join(self._reasoning) or None)
        partial.finish_reason = None
        return partial
