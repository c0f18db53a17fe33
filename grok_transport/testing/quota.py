"""The local server's quota mode: xAI's per-key, per-model limits, enforced as the real service does.

``GrokTestServer(quota=Quota(rps=20, tpm=200_000))`` limits every key and model on two axes
(docs/wire.md, "Rate limits"): requests per second, the per-minute budget spread over the
minute, and tokens per minute, counting every token of the answer (prompt, completion,
reasoning). Going over either answers xAI's 429 body. Every success carries the
``X-Ratelimit-{Limit,Remaining}-{Requests,Tokens}`` headers, the request pair per minute as xAI
sends them even under its per-second rule.

How it decides, per (key, model):

* requests: a request may arrive at most ``burst`` seconds ahead of its even spacing
  (``1 / rps``), which tolerates network jitter but not a minute's quota spent in a burst;
* tokens: a bucket of ``tpm`` refilled over the minute. A request is refused when the bucket
  holds fewer tokens than its prompt (all the server knows before answering); the answer's
  ``usage.total_tokens`` is charged when it is sent, and may overdraw the bucket, which then
  refuses until it refills. So a client that charges less than the answers it gets collects 429s.

:attr:`QuotaBook.admitted` and :attr:`QuotaBook.refused` count the outcomes (and
:attr:`QuotaBook.arrivals` times the admitted ones), for the fleet tests
and the benchmark ("no 429 reached the server").
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._http import Response, StreamResponse
    from .dialects import Dialect, Headers

__all__ = ["Quota", "QuotaBook"]

_TOTAL = re.compile(rb'"total_tokens"\s*:\s*(\d+)')


@dataclass(frozen=True)
class Quota:
    """Limits per key and model: ``rps`` requests per second, ``tpm`` tokens per minute (None: none)."""

    rps: float
    tpm: int | None = None
    burst: float = 1.0
    """Seconds a request may arrive ahead of its even spacing."""

    def __post_init__(self) -> None:
        if self.rps <= 0 or (self.tpm is not None and self.tpm <= 0) or self.burst < 0:
            raise ValueError("a quota needs rps > 0, tpm > 0 (or None) and burst ≥ 0")


@dataclass
class _Budget:
    requests_at: float = 0.0  # the next request's even slot
    tokens: float = 0.0  # bucket level
    filled_at: float = 0.0


@dataclass
class QuotaBook:
    """The quota's state for every (key, model), and how many requests it admitted and refused."""

    quota: Quota
    admitted: int = 0
    refused: int = 0
    arrivals: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))
    """When each admitted request arrived (``time.monotonic()``), oldest first."""
    _budgets: dict[tuple[str, str], _Budget] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _budget(self, key: str, model: str, now: float) -> _Budget:
        budget = self._budgets.get((key, model))
        if budget is None:
            budget = self._budgets[(key, model)] = _Budget(now, float(self.quota.tpm or 0), now)
        if self.quota.tpm:  # refill
            rate = self.quota.tpm / 60.0
            budget.tokens = min(float(self.quota.tpm), budget.tokens + (now - budget.filled_at) * rate)
            budget.filled_at = now
        return budget

    def admit(
        self, dialect: Dialect, key: str, model: str, prompt_tokens: int, now: float
    ) -> Response | None:
        """None if the request may go on (its slot taken), else the 429 to answer with."""
        quota = self.quota
        with self._lock:
            budget = self._budget(key, model, now)
            slot = max(budget.requests_at, now)
            early = slot - now
            if early > quota.burst or (quota.tpm and budget.tokens < prompt_tokens):
                self.refused += 1
                wait = early - quota.burst if early > quota.burst else 1.0
                return dialect.rate_limited(round(quota.rps * 60), wait)
            budget.requests_at = slot + 1.0 / quota.rps
            self.admitted += 1
            self.arrivals.append(now)
            return None

    def settle(self, key: str, model: str, response: Response | StreamResponse, now: float) -> Headers:
        """Charge a success's tokens; the ``X-Ratelimit-*`` headers to send with it."""
        quota = self.quota
        limit = round(quota.rps * 60)
        with self._lock:
            budget = self._budget(key, model, now)
            if quota.tpm:
                budget.tokens -= _total_tokens(response)
            spare = (now + 60.0 - max(budget.requests_at, now)) * quota.rps
            headers = [
                ("X-Ratelimit-Limit-Requests", str(limit)),
                ("X-Ratelimit-Remaining-Requests", str(max(0, min(limit, int(spare))))),
            ]
            if quota.tpm:
                headers.append(("X-Ratelimit-Limit-Tokens", str(quota.tpm)))
                headers.append(("X-Ratelimit-Remaining-Tokens", str(max(0, int(budget.tokens)))))
            return headers


def _total_tokens(response: Response | StreamResponse) -> int:
    """The answer's ``usage.total_tokens`` (a stream's final usage event), 0 if it has none."""
    parts = response.events if hasattr(response, "events") else [response.body]
    for part in reversed(parts):
        found = _TOTAL.findall(part)
        if found:
            return int(found[-1])
    return 0
