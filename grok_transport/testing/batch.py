"""xAI's Batch API on the local server, in the recorded shapes (docs/wire.md, "Batch API").

* ``POST /v1/batches {"name"}``: a new batch object (at most one creation per second per key);
* ``GET /v1/batches?limit=&pagination_token=``: ``{"batches": [...], "pagination_token"}``, newest
  first;
* ``GET /v1/batches/{id}``: the batch object with its current ``state`` counts;
* ``POST /v1/batches/{id}/requests``: add items, answered ``null`` (at most 100 calls per 30 s per
  key, 25 MB each);
* ``GET /v1/batches/{id}/results?limit=&pagination_token=``: finished items, shuffled, paged;
* ``POST /v1/batches/{id}:cancel``: pending items become cancelled; answers the batch object.

Each item is answered exactly as the server would answer the same request sent alone: the body
goes through the chat-completions or Responses route (its validation, its default reply), and a
rejection there is the item's failure, carrying that route's message. Following the recording,
every answer comes back as a ``chat_get_completion`` chat completion, also for ``responses``
items. Items use the built-in default reply, never the test's reply script, which belongs to the
requests the test makes itself.

Time: an item becomes due ``delay`` seconds after it was added (so the first polls see it
pending), then due items finish in random order, all at once or ``items_per_second`` at a time.
The work happens when the batch is next looked at, which is indistinguishable from a background
worker for a client that polls. Results are paged in the order items finished, not the order
they were added.

Fault injection: an item fails when its JSON contains :attr:`BatchQueue.fail_marker` or its id is
in :attr:`BatchQueue.fail_ids`, with ``{"batch_request_id", "batch_result": {"error": {"code",
"message"}}}`` (xAI's SDK reads a failed item as a status with a code and a message; the REST
bytes of a failure were never recorded).

Not recorded, taken from xAI's SDK: the list endpoint's shape and the ``limit`` parameter names.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from ._http import Refused, Request, Response, StreamResponse
from .chat import chat_completions
from .conversation import measure
from .dialects import XaiDialect, XaiResponsesDialect
from .exchange import Exchange
from .responses_api import responses
from .state import State

if TYPE_CHECKING:
    from .server import GrokTestServer

__all__ = ["BatchQueue", "batch_queue", "handle"]

MAX_ADD_BYTES = 25_000_000
_COMPACT = (",", ":")
_DAY = 86_400
_GRPC_CODE = {400: 3, 401: 16, 403: 7, 404: 5, 410: 9, 413: 3, 422: 3, 429: 8, 500: 13, 503: 14, 504: 4}
_ENDPOINTS = {
    "chat_get_completion": ("/v1/chat/completions", measure, chat_completions),
    "responses": ("/v1/responses", measure, responses),
}
"""Where each kind of item is answered: the route's path, its token estimate and its handler."""
_KINDS = tuple(_ENDPOINTS)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=_COMPACT, ensure_ascii=False).encode()


def _date(seconds: float) -> str:
    """Times as the recording shows them: a bare ``YYYY-MM-DD``."""
    return time.strftime("%Y-%m-%d", time.gmtime(seconds))


@dataclass
class _Item:
    request_id: str
    kind: str
    body: Mapping[str, Any]
    due: float


@dataclass
class _Batch:
    batch_id: str
    name: str
    created: float
    key_id: str
    ids: set[str] = field(default_factory=set)
    waiting: deque[_Item] = field(default_factory=deque)
    ready: list[_Item] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0
    started: float | None = None
    cancel_time: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The batch object, keys in the recorded order."""
        pending = len(self.waiting) + len(self.ready)
        return {
            "batch_id": self.batch_id,
            "name": self.name,
            "create_time": _date(self.created),
            "expire_time": _date(self.created + 30 * _DAY),
            "create_api_key_id": self.key_id,
            "cancel_time": None if self.cancel_time is None else _date(self.cancel_time),
            "cancel_by_xai_message": None,
            "state": {
                "num_requests": pending + self.succeeded + self.failed + self.cancelled,
                "num_pending": pending,
                "num_success": self.succeeded,
                "num_error": self.failed,
                "num_cancelled": self.cancelled,
            },
        }


class BatchQueue:
    """The batches one server holds, and how it processes them; tests set the attributes.

    ``delay`` seconds after an item is added it is due (the server's ``job_seconds`` unless a
    test sets it); ``items_per_second`` (None: no limit)
    paces how fast due items finish; an item fails with ``failure_message`` when its JSON
    contains ``fail_marker`` or its id is in ``fail_ids``. ``add_calls_per_window`` add calls per
    ``add_window`` seconds and ``creates_per_second`` creations are allowed per key, as xAI
    documents; more are answered 429.
    """

    def __init__(self) -> None:
        self.delay = 0.2
        self.items_per_second: float | None = None
        self.fail_marker = "[[batch-fail]]"
        self.fail_ids: set[str] = set()
        self.failure_message = "Internal error while processing the batch request."
        self.failure_code = 13
        self.add_calls_per_window = 100
        self.add_window = 30.0
        self.creates_per_second = 1
        self._lock = threading.Lock()
        self._batches: dict[str, _Batch] = {}
        self._calls: dict[tuple[str, str], deque[float]] = {}
        self._rng = random.Random(0)
        self._scratch = State((), 0)  # renders items without touching the test's script
        self._dialects = {"chat_get_completion": XaiDialect(), "responses": XaiResponsesDialect()}

    def forget(self) -> None:
        """Drop every batch and the add/create counts (``GrokTestServer.clear``); keep the settings."""
        with self._lock:
            self._batches.clear()
            self._calls.clear()

    # the endpoints ---------------------------------------------------------------------------

    def handle(self, x: Exchange) -> Response | StreamResponse:
        """Serve one batch request (the route has already authenticated it)."""
        path = x.request.path[len("/v1/batches") :]
        with self._lock:
            if not path:
                return self._create(x) if x.request.method == "POST" else self._list(x)
            name, _, action = path[1:].partition("/")
            name, _, verb = name.partition(":")
            batch = self._batches.get(unquote(name))
            if batch is None:
                return x.dialect.error(404, f"Batch {unquote(name)} not found.")
            self._advance(batch, time.monotonic())
            if verb == "cancel":
                return self._cancel(batch)
            if action == "requests":
                return self._add(x, batch)
            if action == "results":
                return self._results(x, batch)
            return _json(batch.as_dict())

    def _admit(self, key: str, action: str, limit: int, window: float) -> bool:
        now = time.monotonic()
        calls = self._calls.setdefault((key, action), deque())
        while calls and now - calls[0] >= window:
            calls.popleft()
        if len(calls) >= limit:
            return False
        calls.append(now)
        return True

    def _create(self, x: Exchange) -> Response:
        body = x.json if isinstance(x.json, Mapping) else None
        if body is None or not isinstance(body.get("name"), str):
            return x.dialect.missing_field("name", x.request.body)
        key = x.key or ""
        if not self._admit(key, "create", self.creates_per_second, 1.0):
            return x.dialect.error(
                429, f"Batch creation rate limit exceeded: {self.creates_per_second} per second."
            )
        batch = _Batch(
            f"batch_{uuid.uuid4()}", body["name"], time.time(), str(uuid.uuid5(uuid.NAMESPACE_OID, key))
        )
        self._batches[batch.batch_id] = batch
        return _json(batch.as_dict())

    def _list(self, x: Exchange) -> Response:
        newest = list(reversed(self._batches.values()))
        page, token, failure = _page(x, newest)
        if failure is not None:
            return failure
        for batch in page:
            self._advance(batch, time.monotonic())
        return _json({"batches": [b.as_dict() for b in page], "pagination_token": token})

    def _add(self, x: Exchange, batch: _Batch) -> Response:
        dialect = x.dialect
        if len(x.request.body) > MAX_ADD_BYTES:
            return dialect.error(413, "Request payload exceeds the 25 MB limit for adding batch requests.")
        if not self._admit(x.key or "", "add", self.add_calls_per_window, self.add_window):
            return dialect.error(
                429,
                f"Too many add-batch-requests calls: at most {self.add_calls_per_window} every "
                f"{self.add_window:g} seconds.",
            )
        body = x.json if isinstance(x.json, Mapping) else None
        requests = body.get("batch_requests") if body is not None else None
        if not isinstance(requests, list):
            return dialect.missing_field("batch_requests", x.request.body)
        if batch.cancel_time is not None:
            return dialect.error(400, f"Batch {batch.batch_id} is cancelled; no requests can be added.")
        items: list[_Item] = []
        ids: set[str] = set()
        due = time.monotonic() + self.delay
        for index, entry in enumerate(requests):
            item, problem = _item(entry, due)
            if problem is None and (item.request_id in batch.ids or item.request_id in ids):
                problem = f"duplicate batch_request_id {item.request_id!r}"
            if problem is not None:
                return dialect.error(400, f"batch_requests[{index}]: {problem}")
            items.append(item)
            ids.add(item.request_id)
        batch.ids |= ids
        batch.waiting.extend(items)
        return Response(200, b"null")

    def _results(self, x: Exchange, batch: _Batch) -> Response:
        page, token, failure = _page(x, batch.results)
        if failure is not None:
            return failure
        return _json({"results": page, "pagination_token": token})

    def _cancel(self, batch: _Batch) -> Response:
        if batch.cancel_time is None:
            batch.cancel_time = time.time()
            batch.cancelled += len(batch.waiting) + len(batch.ready)
            batch.waiting.clear()
            batch.ready.clear()
        return _json(batch.as_dict())

    # processing ------------------------------------------------------------------------------

    def _advance(self, batch: _Batch, now: float) -> None:
        """Finish what is due by ``now``: due items in random order, paced if asked."""
        while batch.waiting and batch.waiting[0].due <= now:
            batch.ready.append(batch.waiting.popleft())
        if not batch.ready:
            return
        if batch.started is None:
            batch.started = now
        budget = len(batch.ready)
        if self.items_per_second is not None:
            done = batch.succeeded + batch.failed
            budget = min(budget, max(0, int((now - batch.started) * self.items_per_second) + 1 - done))
        ready = batch.ready
        for _ in range(budget):
            pick = self._rng.randrange(len(ready))
            ready[pick], ready[-1] = ready[-1], ready[pick]
            result = self._answer(ready.pop())
            batch.results.append(result)
            if "response" in result["batch_result"]:
                batch.succeeded += 1
            else:
                batch.failed += 1

    def _answer(self, item: _Item) -> dict[str, Any]:
        """The item's result: what the endpoint would answer, or the injected failure."""
        body = {k: v for k, v in item.body.items() if k not in ("stream", "stream_options")}
        raw = _dumps(body)
        if item.request_id in self.fail_ids or (self.fail_marker and self.fail_marker.encode() in raw):
            return _failed(item.request_id, self.failure_code, self.failure_message)
        path, estimate, route = _ENDPOINTS[item.kind]
        request = Request("POST", path, "", {}, raw)
        exchange = Exchange(request, body, None, self._dialects[item.kind], self._scratch)
        exchange.prompt_tokens, exchange.image_tokens = estimate(body)
        try:
            answer = route(exchange)
        except Refused as refused:
            answer = refused.response
        assert isinstance(answer, Response)  # stream flags were removed above
        if answer.status >= 400:
            return _failed(item.request_id, _GRPC_CODE.get(answer.status, 2), _message(answer))
        completion = json.loads(answer.body)
        if item.kind == "responses":
            completion = _as_chat_completion(completion)
        return {
            "batch_request_id": item.request_id,
            "batch_result": {"response": {"chat_get_completion": completion}},
        }


def _item(entry: Any, due: float) -> tuple[_Item, str | None]:
    """Read one ``batch_requests`` entry, or say what is wrong with it."""
    placeholder = _Item("", "", {}, due)
    if not isinstance(entry, Mapping):
        return placeholder, "expected an object"
    request_id = entry.get("batch_request_id")
    request = entry.get("batch_request")
    if request_id is None:
        request_id = str(uuid.uuid4())  # xAI's SDK: the service names items that come unnamed
    if not isinstance(request_id, str) or not request_id:
        return placeholder, "batch_request_id must be a non-empty string"
    if not isinstance(request, Mapping) or len(request) != 1 or next(iter(request)) not in _KINDS:
        return placeholder, f"batch_request must hold exactly one of {', '.join(_KINDS)}"
    kind, body = next(iter(request.items()))
    if not isinstance(body, Mapping):
        return placeholder, f"batch_request.{kind} must be a request object"
    return _Item(request_id, kind, body, due), None


def _failed(request_id: str, code: int, message: str) -> dict[str, Any]:
    return {"batch_request_id": request_id, "batch_result": {"error": {"code": code, "message": message}}}


def _message(answer: Response) -> str:
    """The message of an error the chat or Responses route produced (flat JSON or plain text)."""
    text = answer.body.decode("utf-8", "replace")
    try:
        payload = json.loads(text)
    except ValueError:
        return text
    return str(payload.get("error") or text) if isinstance(payload, Mapping) else text


def _as_chat_completion(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A Responses answer in the chat-completion form xAI returns for ``responses`` items."""
    texts: list[str] = []
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    for item in obj.get("output") or ():
        kind = item.get("type")
        if kind == "message":
            texts += [part.get("text", "") for part in item.get("content") or ()]
        elif kind == "reasoning":
            reasoning += [part.get("text", "") for part in item.get("summary") or ()]
        elif kind == "function_call":
            calls.append(
                {
                    "id": item.get("call_id"),
                    "type": "function",
                    "function": {"name": item.get("name"), "arguments": item.get("arguments")},
                }
            )
    usage = obj.get("usage") or {}
    thought = (usage.get("output_tokens_details") or {}).get("reasoning_tokens", 0)
    message: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(texts),
        "reasoning_content": "".join(reasoning) or None,
    }
    if calls:
        message["tool_calls"] = calls
    message["refusal"] = None
    return {
        "id": obj.get("id"),
        "object": "chat.completion",
        "created": obj.get("created_at"),
        "model": obj.get("model"),
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
        "usage": {
            "prompt_tokens": usage.get("input_tokens", 0),
            "completion_tokens": usage.get("output_tokens", 0) - thought,
            "total_tokens": usage.get("total_tokens", 0),
            "prompt_tokens_details": {
                "text_tokens": usage.get("input_tokens", 0),
                "audio_tokens": 0,
                "image_tokens": 0,
                "cached_tokens": (usage.get("input_tokens_details") or {}).get("cached_tokens", 0),
            },
            "completion_tokens_details": {
                "reasoning_tokens": thought,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
            "num_sources_used": usage.get("num_sources_used", 0),
            "cost_in_usd_ticks": usage.get("cost_in_usd_ticks", 0),
        },
        "system_fingerprint": (obj.get("metadata") or {}).get("system_fingerprint"),
        "service_tier": "default",
    }


def _page(x: Exchange, rows: list[Any]) -> tuple[list[Any], str | None, Response | None]:
    """Slice ``rows`` by the request's ``limit`` and opaque ``pagination_token``."""
    query = parse_qs(x.request.query)
    try:
        limit = int(query.get("limit", ["100"])[0])
        token = query.get("pagination_token", [None])[0]
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except ValueError:
        return [], None, x.dialect.error(400, "Invalid limit or pagination_token.")
    limit = max(1, min(limit, 1_000))
    end = start + limit
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(rows) else None
    return rows[start:end], token, None


def _json(obj: Any) -> Response:
    return Response(200, _dumps(obj))


def _queue_of(state: State) -> BatchQueue:
    def make() -> BatchQueue:
        queue = BatchQueue()
        queue.delay = state.job_seconds
        return queue

    return state.store("batches", make)


def batch_queue(server: GrokTestServer) -> BatchQueue:
    """The batch queue of ``server``, to configure timing and failures or look at its batches."""
    return _queue_of(server._state)


def handle(x: Exchange) -> Response | StreamResponse:
    """Every ``/v1/batches`` route (see :mod:`.routes`)."""
    return _queue_of(x.state).handle(x)
