"""The test server's mutable state, shared by the test's thread and the server's loop thread.

The reply script, the recorded requests, the keys, the per-key windows and credits, the images
handed out and the Responses-API answers kept for ``previous_response_id``. The lock is held for
container operations only, never while rendering or writing, so ``enqueue`` never waits on a reply.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from .collections import CollectionStore
from .media import MediaStore
from .replies import Reply

__all__ = ["RecordedRequest", "State", "StoredResponse", "mask_headers"]

MAX_STORED_RESPONSES = 2_000
"""Stored Responses-API answers kept at once; the oldest are forgotten first (a long benchmark
with ``store`` left at its default must not grow without bound)."""


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it, with secrets masked.

    ``headers`` has lower-case names; ``authorization`` keeps its scheme (``"Bearer ***"``) and
    ``x-api-key`` becomes ``"***"``, so recorded requests can be printed or asserted on without
    leaking keys. ``json`` is the parsed body, or None when the body is empty or not JSON.
    """

    method: str
    path: str
    query: str
    headers: dict[str, str]
    json: Any
    body: bytes


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    """Copy ``headers`` with the credentials replaced by ``***``."""
    masked = dict(headers)
    if "authorization" in masked:
        scheme, space, _ = masked["authorization"].strip().partition(" ")
        masked["authorization"] = f"{scheme} ***" if space else "***"
    if "x-api-key" in masked:
        masked["x-api-key"] = "***"
    return masked


class Forgetful(Protocol):
    """A store a feature module keeps on the state (see :meth:`State.store`)."""

    def forget(self) -> None:
        """Drop what requests left behind; keep what the test configured."""


_F = TypeVar("_F", bound=Forgetful)


@dataclass(frozen=True)
class StoredResponse:
    """A stored Responses answer: the conversation through its output, and its size in tokens.

    ``render`` builds the response object ``GET /v1/responses/{id}`` answers (only when asked);
    ``inputs`` are the request's own input items, which ``GET …/input_items`` pages.
    """

    items: tuple[Any, ...]
    tokens: int
    render: Callable[[], dict[str, Any]] | None = None
    inputs: tuple[Any, ...] = ()


class _Window:
    """One key's requests and their tokens over the last 60 seconds (limits and xAI's headers)."""

    def __init__(self) -> None:
        self.events: deque[tuple[float, int]] = deque()
        self.tokens = 0

    def count(self, now: float) -> int:
        while self.events and self.events[0][0] <= now - 60:
            self.tokens -= self.events.popleft()[1]
        return len(self.events)


class State:
    """Script, recordings, keys and counters; the lock guards what takes more than one step."""

    def __init__(
        self,
        initial_keys: Iterable[str],
        max_recorded: int | None,
        *,
        models: Iterable[str] = (),
        job_seconds: float = 0.3,
    ) -> None:
        self.lock = threading.Lock()
        self.initial_keys = tuple(initial_keys)
        self.queue: deque[Reply] = deque()
        self.faults: dict[tuple[str, str], deque[Reply]] = {}  # (method, route): errors to answer with
        self.sticky: Reply | None = None
        self.records: deque[RecordedRequest] = deque(maxlen=max_recorded)
        self.keys: dict[str, tuple[str, int]] = {}  # key: (user identifier, created at)
        self.windows: dict[str, _Window] = {}
        self.spent: dict[str, int] = {}  # key: billable requests
        self.images = 0
        self.responses: OrderedDict[str, StoredResponse] = OrderedDict()
        self.base_url = ""
        self.models = frozenset(models)  # served besides the catalogue's (see .models)
        self.job_seconds = job_seconds  # how long a video, batch item or deferred answer stays pending
        self.media = MediaStore()
        self.collections = CollectionStore()
        self.stores: dict[str, Forgetful] = {}  # see .store
        self.clear()

    def store(self, name: str, make: Callable[[], _F]) -> _F:
        """The store ``name`` of a feature module, made by ``make`` on first use.

        For the modules that import this one (batches, deferred completions); :meth:`clear`
        makes each store forget.
        """
        with self.lock:
            found = self.stores.get(name)
            if found is None:
                found = self.stores[name] = make()
            return found  # type: ignore[return-value]  # one name, one maker

    def next_reply(self) -> Reply | None:
        """The next scripted reply, else the sticky one, else None (answer with the stand-in)."""
        return self.queue.popleft() if self.queue else self.sticky

    def next_fault(self, method: str, route: str) -> Reply | None:
        """The next error :meth:`GrokTestServer.fail` queued for this route, if any."""
        if not self.faults:  # the usual case, without taking the lock
            return None
        with self.lock:
            queued = self.faults.get((method, route))
            return queued.popleft() if queued else None

    def record(self, request: RecordedRequest) -> None:
        with self.lock:
            self.records.append(request)

    def recorded(self) -> list[RecordedRequest]:
        with self.lock:
            return list(self.records)

    def admit(self, key: str, now: float, limit: int | None, tokens: int) -> float | None:
        """Count a request against ``key``'s minute; the seconds to wait instead if over ``limit``."""
        with self.lock:
            window = self.windows.setdefault(key, _Window())
            if limit is not None and window.count(now) >= limit:
                return max(0.0, window.events[0][0] + 60 - now)
            window.events.append((now, tokens))
            window.tokens += tokens
            return None

    def window(self, key: str, now: float) -> tuple[int, int]:
        """``(requests, tokens)`` of ``key`` in the minute before ``now``."""
        with self.lock:
            window = self.windows.get(key)
            return (window.count(now), window.tokens) if window is not None else (0, 0)

    def issue_images(self, count: int) -> range:
        """Reserve ``count`` image numbers (their files are served under ``/files/``)."""
        with self.lock:
            self.images += count
            return range(self.images - count + 1, self.images + 1)

    def store_response(self, response_id: str, stored: StoredResponse) -> None:
        """Keep an answer for later ``previous_response_id`` look-ups (bounded, oldest out)."""
        with self.lock:
            self.responses[response_id] = stored
            while len(self.responses) > MAX_STORED_RESPONSES:
                self.responses.popitem(last=False)

    def clear(self) -> None:
        """Forget everything but the sticky default reply (configuration, not history)."""
        with self.lock:
            self.queue.clear()
            self.faults.clear()
            self.records.clear()
            self.responses.clear()
            self.windows.clear()
            self.spent.clear()
            self.images = 0
            self.media.clear()
            self.collections.clear()
            for store in self.stores.values():
                store.forget()
            self.keys = dict.fromkeys(self.initial_keys, ("test", int(time.time())))
