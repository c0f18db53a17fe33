"""Rate limits: what the server says about them, and a limiter for services that only document one.

xAI reports its limits on every success as ``X-Ratelimit-{Limit,Remaining}-{Requests,Tokens}``
(docs/wire.md, "Transport and auth"). Values reach 2^64-1, so they are Python ints, never
floats. No reset header has ever been recorded, so none is assumed.

The per-key, per-model budget every chat request consults (Grok Inc's 5-per-minute window
included) is :mod:`grok_transport._budget`. What stays here is a small in-process sliding window
for limits that are per process by nature, such as the Batch API's documented rates
(:mod:`grok_transport._batch`). A wait is logged (logger ``grok_transport``, INFO) and bounded
by the caller's timeout: a request that would wait longer fails at once with a
:class:`~grok_transport._errors.RateLimitError` saying how long the wait would have been.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from grok_transport._errors import RateLimitError

__all__ = ["RateLimitInfo", "SlidingWindowLimiter"]

log = logging.getLogger("grok_transport")


def _int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class RateLimitInfo:
    """The ``X-Ratelimit-*`` headers of one answer; ``None`` where the server sent none."""

    limit_requests: int | None = None
    remaining_requests: int | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitInfo | None:
        """Parse lower-cased response headers; ``None`` if no rate-limit header is present."""
        info = cls(
            _int(headers, "x-ratelimit-limit-requests"),
            _int(headers, "x-ratelimit-remaining-requests"),
            _int(headers, "x-ratelimit-limit-tokens"),
            _int(headers, "x-ratelimit-remaining-tokens"),
        )
        return None if info == _EMPTY else info

    def as_dict(self) -> dict[str, int]:
        """The fields that were present, for metadata."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


_EMPTY = RateLimitInfo()


class SlidingWindowLimiter:
    """At most ``limit`` acquisitions in any ``period`` seconds; thread- and loop-safe."""

    def __init__(self, limit: int, period: float = 60.0) -> None:
        self.limit = limit
        self.period = period
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        """Take a slot if one is free now (return 0), else return how long to wait."""
        with self._lock:
            now = time.monotonic()
            while self._stamps and now - self._stamps[0] >= self.period:
                self._stamps.popleft()
            if len(self._stamps) < self.limit:
                self._stamps.append(now)
                return 0.0
            return self.period - (now - self._stamps[0])

    def acquire(self, timeout: float | None = None) -> None:
        """Block the thread until a slot is free, for at most ``timeout`` seconds (None: no bound).

        Raises :class:`~grok_transport._errors.RateLimitError` at once, without waiting, when the
        next free slot is further away than what remains of ``timeout``.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while (wait := self._reserve()) > 0:
            self._check_wait(wait, deadline, timeout)
            time.sleep(wait)

    async def aacquire(self, timeout: float | None = None) -> None:
        """Async twin of :meth:`acquire`: waits without blocking the loop."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while (wait := self._reserve()) > 0:
            self._check_wait(wait, deadline, timeout)
            await asyncio.sleep(wait)

    def _check_wait(self, wait: float, deadline: float | None, timeout: float | None) -> None:
        """Log a wait about to happen, or refuse it when it would run past the deadline."""
        if deadline is not None and time.monotonic() + wait > deadline:
            raise RateLimitError(
                f"client-side rate limit of {self.limit} requests per {self.period:g} s: the next "
                f"slot is free in {wait:.1f} s, longer than the {timeout:g} s timeout",
                retry_after=wait,
                retryable=False,  # waiting is exactly what the timeout forbids
            )
        log.info(
            "rate limit of %d requests per %g s reached; waiting %.1f s for a free slot",
            self.limit,
            self.period,
            wait,
        )
