"""Deferred chat completions: the request now, its answer once, later.

What xAI documents is in docs/wire.md, "Deferred completions".

A chat-completions request with ``"deferred": true`` is validated and answered at once, as any
other (the scripted reply is taken now), but the client receives only ``{"request_id"}``. The
answer becomes available the server's ``job_seconds`` later (``GrokTestServer(job_seconds=…)``,
the one knob for every job; :attr:`DeferredStore.complete_after` overrides it), by elapsed time,
so a test that sleeps, or polls slowly, sees it done. ``GET /v1/chat/deferred-completion/{id}``
then answers:

* **202 with an empty body** while it is pending;
* **200 with the chat.completion, once**: the server forgets it as it sends it, so the next GET
  is a 404, exactly as xAI discards a collected result. The scripted reply's faults
  (``cut_after``, ``first_byte_delay``, ``malformed``) apply to this delivery, so a test can
  cut the one delivery and see what a client makes of the 404 that follows;
* **404** for an unknown (or already collected) id.

Configure with ``deferred_store(server).complete_after = <seconds>``.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._http import Response
from .exchange import Exchange, json_response
from .replies import Reply
from .state import State

if TYPE_CHECKING:
    from .server import GrokTestServer

__all__ = ["DeferredStore", "deferred_store", "fetch", "start"]

"""Seconds a deferred request stays pending by default: long enough that a first look sees 202."""
_GONE = "Deferred request {} not found: it never existed, expired, or was already fetched."


@dataclass
class DeferredRequest:
    """One deferred request: the completion it will deliver, when, and with which faults."""

    completion: dict[str, Any]
    reply: Reply | None
    ready_at: float


class DeferredStore:
    """The deferred requests of one server; ``complete_after`` (seconds) overrides ``job_seconds``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.complete_after: float | None = None
        self._requests: dict[str, DeferredRequest] = {}

    def __len__(self) -> int:
        """Requests not collected yet."""
        return len(self._requests)

    def forget(self) -> None:
        """Drop every request (``GrokTestServer.clear``); keep ``complete_after``."""
        with self._lock:
            self._requests.clear()

    def add(self, completion: dict[str, Any], reply: Reply | None, job_seconds: float) -> str:
        request_id = str(uuid.uuid4())
        pending = job_seconds if self.complete_after is None else self.complete_after
        with self._lock:
            ready = time.monotonic() + pending
            self._requests[request_id] = DeferredRequest(completion, reply, ready)
        return request_id

    def take(self, request_id: str) -> DeferredRequest | bool | None:
        """The request if it is done (forgotten from now on), ``True`` if pending, ``None`` if unknown."""
        with self._lock:
            found = self._requests.get(request_id)
            if found is None:
                return None
            if found.ready_at > time.monotonic():
                return True
            return self._requests.pop(request_id)


def _store_of(state: State) -> DeferredStore:
    return state.store("deferred", DeferredStore)


def deferred_store(server: GrokTestServer) -> DeferredStore:
    """The deferred requests of ``server``, to set ``complete_after`` or count what is uncollected."""
    return _store_of(server._state)


def start(x: Exchange, completion: dict[str, Any], reply: Reply | None) -> Response:
    """Answer a ``"deferred": true`` chat request with its request id (called by :mod:`.chat`)."""
    if x.json.get("stream") is True:  # not documented either way; the client never sends it
        x.refuse(400, "A deferred request cannot be streamed.")
    return json_response({"request_id": _store_of(x.state).add(completion, reply, x.state.job_seconds)})


def fetch(x: Exchange) -> Response:
    """``GET /v1/chat/deferred-completion/{id}``: 202, then the completion once, then 404."""
    request_id = x.params["id"]
    found = _store_of(x.state).take(request_id)
    if found is None:
        x.refuse(404, _GONE.format(request_id))
    if found is True:
        return Response(202, b"", content_type=None)
    assert isinstance(found, DeferredRequest)
    return json_response(found.completion, found.reply)
