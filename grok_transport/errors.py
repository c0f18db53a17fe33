"""Typed errors, and the one function that turns an HTTP answer into one of them.

Grok-compatible servers disagree on error bodies, and xAI disagrees with OpenAI on status codes,
so the mapping is keyed on the status *and* the body (WIRE_FACTS §10):

* xAI sends a flat ``{"code": "<gRPC description or kebab-case>", "error": "<message>"}``;
  410 sends only ``{"error": ...}``; framework errors (422) are plain text.
* grokapi.io sends OpenAI-style ``{"error": {"message", "type", "code"}}``.
* xAI answers a wrong API key with **400**, not 401; it is still an :class:`AuthenticationError`.
* Running out of credits arrives as 402 (grokapi), 403 or 429 (xAI); all are
  :class:`InsufficientCreditsError`, which is never retried, unlike a real rate limit.
* An error can also arrive inside a 200 body or inside an SSE stream
  (``"Timed out waiting for first token"``); it maps like a 503.

Every error carries ``status_code``, ``code``, ``message``, ``body`` and ``request_id``, and
never the API key: :func:`error_from_response` scrubs it from anything it keeps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from grok_transport._answer import Answer

__all__ = [
    "GrokError",
    "MissingAPIKeyError",
    "InvalidParameterError",
    "AuthenticationError",
    "PermissionDeniedError",
    "InsufficientCreditsError",
    "NotFoundError",
    "BadRequestError",
    "ContextLengthExceededError",
    "UnprocessableEntityError",
    "RateLimitError",
    "ServerError",
    "APIConnectionError",
    "APITimeoutError",
    "UnexpectedResponseError",
    "error_from_transport",
    "StreamInterruptedError",
    "FileTooLargeError",
    "VideoGenerationError",
    "JobTimeoutError",
    "error_from_response",
    "error_from_payload",
]


class GrokError(Exception):
    """Base of every error this package raises.

    ``retryable`` says whether sending the same request again may succeed; the client's retry
    loop and the frameworks' ``is_retryable`` both read it.
    """

    retryable: bool = False
    partial: Answer | None = None
    """For an error raised in the middle of a stream: everything that arrived before it."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        body: Any = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code
        self.body = body
        self.request_id = request_id

    def __str__(self) -> str:
        prefix = f"{self.status_code} " if self.status_code is not None else ""
        suffix = f" (request id {self.request_id})" if self.request_id else ""
        return f"{prefix}{self.message}{suffix}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, message={self.message!r})"


class MissingAPIKeyError(GrokError, ValueError):
    """No API key was given or found in the environment; raised before any request."""


class InvalidParameterError(GrokError, ValueError):
    """A request parameter is invalid on its face; raised before any request."""


class AuthenticationError(GrokError):
    """The key is missing, malformed or wrong (xAI says so with a 400)."""


class PermissionDeniedError(GrokError):
    """The key may not use this model or endpoint (403)."""


class InsufficientCreditsError(GrokError):
    """The account has no credits left (402, or 403/429 with a credits message)."""


class NotFoundError(GrokError):
    """Unknown or retired model, or a wrong URL (404)."""


class BadRequestError(GrokError):
    """The server rejected the request's content (400, 405, 410, 415)."""


class ContextLengthExceededError(BadRequestError):
    """The prompt is longer than the model's context window."""


class UnprocessableEntityError(BadRequestError):
    """The body did not deserialize on the server (422, often a plain-text body)."""


class RateLimitError(GrokError):
    """Too many requests (429). ``retry_after`` is the server's hint in seconds, if it gave one."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(GrokError):
    """The server failed (5xx, or an error object inside a 200 answer). Retryable."""

    retryable = True


class UnexpectedResponseError(GrokError):
    """The server answered with something the API never sends.

    An HTML page where an event stream was expected (a wrong base URL, a captive portal), or
    JSON of the wrong shape. Not retried: the same request gets the same answer.
    """


class APIConnectionError(GrokError):
    """The request never got an HTTP answer (DNS, refused, reset). Retryable."""

    retryable = True


class APITimeoutError(APIConnectionError):
    """The request timed out (client side, or a 408 from the server). Retryable."""


class StreamInterruptedError(APIConnectionError):
    """A stream ended before it finished. ``partial`` holds what arrived, ``text`` its content.

    Not retried automatically: a stream is only retried before its first byte, since the model
    may already have been billed and the caller may already have shown the text.
    """

    retryable = False

    def __init__(self, message: str, *, partial: Answer | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.partial = partial

    @property
    def text(self) -> str:
        """The content received before the stream broke (empty if nothing arrived)."""
        return self.partial.text if self.partial is not None else ""


class FileTooLargeError(InvalidParameterError):
    """A file is over the Files API's size limit; refused before a byte is uploaded."""


class VideoGenerationError(GrokError):
    """A video job ended without a video: it ``failed``, ``expired``, or moderation withheld it.

    ``status`` is the job's final status (``"failed"``, ``"expired"`` or ``"moderated"``) and
    ``request_id`` the job's id. Not retryable: the same request would be billed again.
    """

    def __init__(self, message: str, *, status: str, request_id: str, **kw: Any) -> None:
        super().__init__(message, request_id=request_id, **kw)
        self.status = status


class JobTimeoutError(GrokError):
    """A server-side job was still running when the caller's ``timeout`` ran out.

    The job goes on running (and is billed) on the server: ``job_id`` lets the caller pick it up
    again later, and ``last_status`` is the last status seen.
    """

    def __init__(self, message: str, *, job_id: str, last_status: Any = None) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.last_status = last_status


_CREDITS = re.compile(r"credits|spending limit|insufficient (?:balance|funds|quota)", re.I)
_CONTEXT = re.compile(
    r"maximum (?:prompt|context) length|context[_ ]length[_ ]exceeded|prompt is too long"
    r"|too many tokens",
    re.I,
)
_BAD_KEY = re.compile(r"api[ -_]?key|unauthori[sz]ed|authenticat", re.I)


def _message_and_code(payload: Any) -> tuple[str | None, str | None]:
    """Pull ``(message, code)`` out of any of the body shapes seen in the wild."""
    if not isinstance(payload, Mapping):
        return None, None
    err = payload.get("error")
    if isinstance(err, Mapping):  # OpenAI style (grokapi.io)
        code = err.get("code") or err.get("type")
        return _str_or_none(err.get("message")), _str_or_none(code)
    message = _str_or_none(err) or _str_or_none(payload.get("message"))
    return message, _str_or_none(payload.get("code"))


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret and secret in text else text


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date; rare enough that the backoff schedule is good enough


def error_from_payload(
    status: int,
    payload: Any,
    *,
    text: str = "",
    headers: Mapping[str, str] | None = None,
    secret: str | None = None,
) -> GrokError:
    """Build the typed error for an HTTP status and an already-parsed body.

    ``payload`` is the parsed JSON (or ``None`` for a non-JSON body, whose ``text`` is then the
    message). Used for error statuses, for 200 bodies that hold an error, and for error events
    inside a stream.
    """
    message, code = _message_and_code(payload)
    if message is None:
        message = text.strip() or f"HTTP {status} with an empty body"
    message = _scrub(message, secret)
    request_id = (headers or {}).get("x-request-id")
    body = payload if payload is not None else _scrub(text, secret)
    kw: dict[str, Any] = {"status_code": status, "code": code, "body": body, "request_id": request_id}
    haystack = f"{code or ''} {message}"

    if status in (402,) or (status in (403, 429) and _CREDITS.search(message)):
        return InsufficientCreditsError(message, **kw)
    if status == 401 or (
        status in (400, 403) and _BAD_KEY.search(message) and "incorrect" in message.lower()
    ):
        return AuthenticationError(message, **kw)
    if status == 403:
        return PermissionDeniedError(message, **kw)
    if status == 404:
        return NotFoundError(message, **kw)
    if status == 408:
        return APITimeoutError(message, **kw)
    if status == 422:
        return UnprocessableEntityError(message, **kw)
    if status == 429:
        return RateLimitError(message, retry_after=_retry_after(headers), **kw)
    if _CONTEXT.search(haystack):
        return ContextLengthExceededError(message, **kw)
    if status >= 500 or status < 400:  # 5xx, or an error object smuggled into a 2xx answer
        return ServerError(message, **kw)
    return BadRequestError(message, **kw)


def error_from_response(
    status: int,
    content: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    secret: str | None = None,
) -> GrokError:
    """Build the typed error for a whole HTTP answer (status, raw body bytes, headers)."""
    text = content.decode("utf-8", errors="replace")
    try:
        payload = json.loads(text) if text.strip() else None
    except ValueError:
        payload = None
    return error_from_payload(status, payload, text=text, headers=headers, secret=secret)


def error_from_transport(exc: httpx.HTTPError, url: str, *, secret: str | None = None) -> GrokError:
    """The typed error for a request that got no HTTP answer."""
    kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    error = kind(_scrub(f"{type(exc).__name__} talking to {url}: {exc}", secret))
    error.request_sent = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))  # type: ignore[attr-defined]
    return error
