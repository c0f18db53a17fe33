"""When to send a request again, and how long to wait first.

The policy is the one users already expect from the OpenAI SDK, minus its surprises:
exponential backoff from 0.5 s doubling to at most 8 s, with up to 25 % jitter so that many
clients do not retry in lockstep; a server's ``Retry-After`` (seconds or an HTTP date) is
honoured up to 60 s (a longer hint is treated as "not now": the error is raised rather than
blocking a chat for minutes).

What is retried: 429 that is a real rate limit (not credit exhaustion), 408, every 5xx, an error
object inside a 200 answer, and connection errors and timeouts; never any other 4xx. A stream is
retried only before its first byte reached the caller.

Which requests change state is decided here and nowhere else (:func:`replayable`): reads
(``GET``, ``HEAD``) and the ``POST`` endpoints in :data:`REPLAYABLE_POSTS`, which compute an answer
and keep nothing (chat, images, tokenizing), may be sent again. Every other request (creating a
batch or adding to it, an upload, a deletion, a new key, a video job) is retried only when the
server cannot have acted on it: when the connection was never made, or when the server refused
it outright with 408, 429 or 503. A reset or a timeout after the body may have arrived, or a
500, is raised instead: sending it again could generate a second key or a second batch. A new
endpoint is therefore never replayed until it is declared safe here. One read is not safe either:
collecting a deferred completion (:data:`CONSUMING_READS`), which the server hands out once.

Why not ``tenacity``: the whole policy is the dozen lines below, it has to run identically in a
sync and an async loop around a stream that must not be retried after its first byte, and a
tenacity ``Retrying`` object adds per-call work on the hot path for no behaviour we need.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from grok_transport._errors import APIConnectionError, GrokError, RateLimitError

__all__ = ["CONSUMING_READS", "DEFAULT_MAX_RETRIES", "REPLAYABLE_POSTS", "RetryPolicy", "replayable"]

DEFAULT_MAX_RETRIES = 2
"""Extra attempts after the first, for every client, model and tool that does not say otherwise."""

REPLAYABLE_POSTS = frozenset(
    {
        "/chat/completions",
        "/responses",
        "/tokenize-text",
        "/chat/explain",
        "/images/generations",
        "/images/edits",
        "/documents/search",
    }
)
"""``POST`` paths that change nothing on the server: sending one twice costs, but creates nothing."""
_READS = frozenset({"GET", "HEAD", "OPTIONS"})

_NOT_HANDLED = frozenset({408, 429, 503})
"""Statuses by which a server says it did not act on the request (RFC 9110 §15.5.9, 6585, 15.6.4)."""


CONSUMING_READS = ("/chat/deferred-completion/",)
"""``GET`` path prefixes whose answer the server gives once: a repeat after a delivery finds a 404."""


def replayable(method: str, path: str) -> bool:
    """Whether a request may be sent again after it may have reached the server (see above)."""
    path = path.partition("?")[0]
    if method in _READS:
        return not path.startswith(CONSUMING_READS)
    return method == "POST" and path in REPLAYABLE_POSTS


def _server_may_have_acted(error: GrokError) -> bool:
    if error.status_code is not None:
        return error.status_code not in _NOT_HANDLED
    return not isinstance(error, APIConnectionError) or error.request_sent


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` extra attempts after the first; delays in seconds."""

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.25

    def delay(self, error: GrokError, attempt: int, *, idempotent: bool = True) -> float | None:
        """Seconds to wait before retry number ``attempt`` (1-based), or ``None`` to give up.

        ``idempotent=False`` for a request that must not run twice (see the module docstring).
        """
        if attempt > self.max_retries or not error.retryable:
            return None
        if not idempotent and _server_may_have_acted(error):
            return None
        hint = error.retry_after if isinstance(error, RateLimitError) else None
        if hint is not None:
            return None if hint > self.max_retry_after else hint
        backoff = min(self.initial_delay * 2.0 ** (attempt - 1), self.max_delay)
        return backoff * (1 - self.jitter * random.random())
