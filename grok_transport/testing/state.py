"""The test server's mutable state, shared by the test's thread and the server's loop thread.

Everything a test can change or inspect between requests lives here behind one lock: the reply
script, the recorded requests, the accepted keys, the per-key request windows and credit balances,
the images handed out, and the Responses-API answers kept for ``previous_response_id``. The lock
is held only for dictionary and deque operations, never while rendering or writing, so a test
calling :meth:`enqueue` never waits on a slow reply.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .dialects import RequestWindow
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


@dataclass(frozen=True)
class StoredResponse:
    """A Responses-API answer kept because ``store`` was true, for ``previous_response_id``.

    ``items`` is the whole conversation up to and including this answer's output (earlier
    turns, this request's input, then the output items), so a follow-up only appends to it.
    ``tokens`` is the size of that conversation, reported back as cached input tokens.
    """

    items: tuple[Any, ...]
    tokens: int


@dataclass(frozen=True)
class _KeyInfo:
    user_identifier: str
    created_at: int


class State:
    """Script, recordings, keys and counters; every method is thread-safe."""

    def __init__(self, initial_keys: Iterable[str], max_recorded: int | None) -> None:
        self._lock = threading.Lock()
        self._initial_keys = tuple(initial_keys)
        self._queue: deque[Reply] = deque()
        self._sticky: Reply | None = None
        self._records: deque[RecordedRequest] = deque(maxlen=max_recorded)
        self._keys: dict[str, _KeyInfo] = {}
        self._windows: dict[str, RequestWindow] = {}
        self._spent: dict[str, int] = {}
        self._images = 0
        self._responses: OrderedDict[str, StoredResponse] = OrderedDict()
        self.media = MediaStore()
        self.base_url = ""
        self._reset_keys()

    def _reset_keys(self) -> None:
        now = int(time.time())
        self._keys = {key: _KeyInfo("test", now) for key in self._initial_keys}

    # script --------------------------------------------------------------------------------

    def enqueue(self, replies: Iterable[Reply]) -> None:
        """Append replies to the FIFO script."""
        with self._lock:
            self._queue.extend(replies)

    def set_default(self, reply: Reply | None) -> None:
        """Set the sticky reply used whenever the script is empty (None: built-in default)."""
        with self._lock:
            self._sticky = reply

    def next_reply(self) -> Reply | None:
        """The next scripted reply, else the sticky one, else None (use the built-in default)."""
        with self._lock:
            return self._queue.popleft() if self._queue else self._sticky

    @property
    def pending(self) -> int:
        """Scripted replies not consumed yet."""
        with self._lock:
            return len(self._queue)

    # recordings ----------------------------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        """Keep a received request (the oldest are dropped past ``max_recorded``)."""
        with self._lock:
            self._records.append(request)

    def records(self) -> list[RecordedRequest]:
        """The recorded requests, oldest first."""
        with self._lock:
            return list(self._records)

    # keys ----------------------------------------------------------------------------------

    def key_is_valid(self, key: str) -> bool:
        """Whether ``key`` is currently accepted."""
        return key in self._keys

    def add_key(self, key: str, user_identifier: str) -> int:
        """Accept a newly generated key; returns its creation time."""
        created = int(time.time())
        with self._lock:
            self._keys[key] = _KeyInfo(user_identifier, created)
        return created

    def delete_key(self, key: str) -> bool:
        """Stop accepting ``key``; False if it was not known."""
        with self._lock:
            return self._keys.pop(key, None) is not None

    def list_keys(self) -> list[tuple[str, str, int]]:
        """``(key, user_identifier, created_at)`` for every accepted key."""
        with self._lock:
            return [(k, v.user_identifier, v.created_at) for k, v in self._keys.items()]

    # limits --------------------------------------------------------------------------------

    def admit(self, key: str, now: float, limit: int | None, tokens: int) -> float | None:
        """Count a request against ``key``'s window; the wait in seconds if over ``limit``."""
        with self._lock:
            window = self._windows.get(key)
            if window is None:
                window = self._windows[key] = RequestWindow()
            return window.admit(now, limit, tokens)

    def window(self, key: str) -> RequestWindow | None:
        """``key``'s request window (read on the loop thread only)."""
        return self._windows.get(key)

    def credits_spent(self, key: str) -> int:
        """Billable requests made with ``key`` since the last :meth:`clear`."""
        return self._spent.get(key, 0)

    def bill(self, key: str) -> None:
        """Count one billable request against ``key``."""
        with self._lock:
            self._spent[key] = self._spent.get(key, 0) + 1

    # images --------------------------------------------------------------------------------

    def issue_images(self, count: int) -> range:
        """Reserve ``count`` image numbers (their files are served under ``/files/``)."""
        with self._lock:
            first = self._images + 1
            self._images += count
            return range(first, first + count)

    def image_exists(self, number: int) -> bool:
        """Whether image ``number`` was handed out."""
        return 1 <= number <= self._images

    # stored responses ----------------------------------------------------------------------

    def store_response(self, response_id: str, stored: StoredResponse) -> None:
        """Keep an answer for later ``previous_response_id`` look-ups (bounded, oldest out)."""
        with self._lock:
            self._responses[response_id] = stored
            while len(self._responses) > MAX_STORED_RESPONSES:
                self._responses.popitem(last=False)

    def stored_response(self, response_id: str) -> StoredResponse | None:
        """The answer stored under ``response_id``, or None if unknown (or never stored)."""
        with self._lock:
            return self._responses.get(response_id)

    # reset ---------------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget the script, recordings, counters, keys, images and stored responses.

        The sticky default reply survives: it is configuration, not history.
        """
        with self._lock:
            self._queue.clear()
            self._responses.clear()
            self._records.clear()
            self._windows.clear()
            self._spent.clear()
            self._images = 0
            self._reset_keys()
        self.media.clear()
