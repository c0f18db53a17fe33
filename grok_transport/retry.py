"""When to send a request again, and how long to wait first.

The policy is the one users already expect from the OpenAI SDK, minus its surprises:
exponential backoff from 0.5 s doubling to at most 8 s, with up to 25 % jitter so that many
clients do not retry in lockstep; a server's ``Retry-After`` is honoured up to 60 s (a longer
hint is treated as "not now": the error is raised rather than blocking a chat for minutes).

What is retried: 429 that is a real rate limit (not credit exhaustion), 408, every 5xx, an error
object inside a 200 answer, and connection errors and timeouts; never any other 4xx. A stream is
retried only before its first byte reached the caller.

Why not ``tenacity``: the whole policy is the dozen lines below, it has to run identically in a
sync and an async loop around a stream that must not be retried after its first byte, and a
tenacity ``Retrying`` object adds per-call work on the hot path for no behaviour we need.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from grok_transport.errors import GrokError, RateLimitError

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` extra attempts after the first; delays in seconds."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.25

    def delay(self, error: GrokError, attempt: int, *, idempotent: bool = True) -> float | None:
        """Seconds to wait before retry number ``attempt`` (1-based), or ``None`` to give up."""
        if attempt > self.max_retries or not error.retryable:
            return None
        if not idempotent and getattr(error, "request_sent", False):
            return None
        hint = error.retry_after if isinstance(error, RateLimitError) else None
        if hint is not None:
            return None if hint > self.max_retry_after else hint
        backoff = min(self.initial_delay * 2.0 ** (attempt - 1), self.max_delay)
        return backoff * (1 - self.jitter * random.random())
