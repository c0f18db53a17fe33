"""Typed errors, and the one function that turns an HTTP answer into one of them.

Grok-compatible servers disagree on error bodies, and xAI disagrees with OpenAI on status codes,
so the mapping is keyed on the status *and* the body (docs/wire.md, "Errors"):

* xAI sends a flat ``{"code": "<gRPC description or kebab-case>", "error": "<message>"}``;
  410 sends only ``{"error": ...}``; framework errors (422) are plain text.
* grokapi.io sends OpenAI-style ``{"error": {"message", "type", "code"}}``.
* xAI answers a wrong API key with **400**, not 401; it is still an :class:`AuthenticationError`.
* Running out of credits arrives as 402 (grokapi), 403 or 429 (xAI); all are
  :class:`InsufficientCreditsError`, which is never retried, unlike a real rate limit.
* An error can also arrive inside a 200 body or inside an SSE stream
  (``"Timed out waiting for first token"``); it maps like a 503.

Every error carries ``status_code``, ``code``, ``message``, ``body`` and ``request_id``, and
never the API key: an error built with ``secret=`` replaces the key with ``***`` in everything it
keeps (message, code, request id, and every string inside ``body``), so an error tracker that
records attributes, or a pickled error, never holds it. Only a secret of at least
:data:`MIN_SECRET_LENGTH` characters is scrubbed: replacing a one-letter test key would mangle
every message ("talking" → "tal***ing"), and no real key is that short.

Errors pickle with all their attributes (for multiprocessing, Celery or Ray workers), without
calling ``__init__`` again.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

if TYPE_CHECKING:
    from grok_transport._answer import Answer


MIN_SECRET_LENGTH = 8
"""Shorter secrets are not scrubbed: they are test placeholders, and would mangle messages."""


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
        retryable: bool | None = None,
        secret: str | None = None,
    ) -> None:
        """``secret`` (the API key) is replaced by ``***`` in every field; it is not stored.

        ``retryable`` overrides the class's default for this one error.
        """
        message = redact(message, secret)
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = redact(code, secret)
        self.body = redact(body, secret)
        self.request_id = redact(request_id, secret)
        if retryable is not None:
            self.retryable = retryable

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild from the attributes rather than by calling ``__init__`` with ``args``: subclasses
        # take different keywords, and the framework twins in the adapters add their own bases.
        return _rebuild, (type(self), self.args, self.__dict__.copy())

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


class InvalidMessageError(InvalidParameterError):
    """A message cannot be sent as it is (unknown role, malformed part, bytes); names its index."""


class InvalidToolError(InvalidParameterError):
    """A tool definition cannot be sent as it is (e.g. parameters that are not an object schema)."""


class AuthenticationError(GrokError):
    """The key is missing, malformed or wrong (xAI says so with a 400)."""


class InvalidAPIKeyError(AuthenticationError):
    """The API key holds whitespace, a control character or a non-ASCII character.

    Such a key cannot travel in an HTTP header. Raised when the connection is resolved, before
    any request; the message says what is wrong and where the key came from, never the key.
    Not a ``ValueError`` (unlike :class:`MissingAPIKeyError`), so pydantic validators in the
    adapters let it through as itself instead of wrapping it in a ``ValidationError``.
    """


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
    """The request never got an HTTP answer (DNS, refused, reset). Retryable.

    ``request_sent`` says whether the request may have reached the server: ``False`` only when
    the connection was never made (refused, DNS, connect timeout, no free pooled connection), so
    a request that changes state is retried only then (see :mod:`grok_transport._retry`).
    """

    retryable = True

    def __init__(self, message: str, *, request_sent: bool = True, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.request_sent = request_sent


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


class JobTimeoutError(GrokError, TimeoutError):
    """A server-side job was still running when the caller's ``timeout`` ran out.

    It is a ``TimeoutError`` too, so code that waits on any job catches one thing.

    The job goes on running (and is billed) on the server: ``job_id`` lets the caller pick it up
    again later, and ``last_status`` is the last status seen.
    """

    def __init__(self, message: str, *, job_id: str, last_status: Any = None) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.last_status = last_status


class PromptTooLongError(InvalidMessageError, ContextLengthExceededError):
    """The conversation cannot fit the model's context window whatever the tokenization.

    Raised before any request, so a 50 MB prompt is not uploaded only to be refused; it is a
    :class:`ContextLengthExceededError` too, so code that trims history on that error works.
    """


def _rebuild(cls: type[GrokError], args: tuple[Any, ...], state: dict[str, Any]) -> GrokError:
    """Unpickle an error: a bare instance with its args and attributes restored."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


def redact(value: Any, secret: str | None) -> Any:
    """``value`` with every occurrence of ``secret`` replaced by ``***``, nested strings included.

    Strings inside dicts (keys too), lists and tuples are scrubbed; a secret shorter than
    :data:`MIN_SECRET_LENGTH` is left alone.
    """
    if not secret or len(secret) < MIN_SECRET_LENGTH:
        return value
    return _redact(value, secret)


def _redact(value: Any, secret: str) -> Any:
    if isinstance(value, str):
        return value.replace(secret, "***") if secret in value else value
    if isinstance(value, Mapping):
        return {_redact(k, secret): _redact(v, secret) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact(item, secret) for item in value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).replace(secret.encode(), b"***")
    return value


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


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    """``Retry-After`` in seconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not headers:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until(value)
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _seconds_until(http_date: str) -> float | None:
    from datetime import datetime, timezone  # only a 429 with a date pays for these imports
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" parses naive; HTTP dates are always UTC
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def error_from_payload(
    status: int,
    payload: Any,
    *,
    text: str = "",
    headers: Mapping[str, str] | None = None,
    secret: str | None = None,
    base_url: str | None = None,
) -> GrokError:
    """Build the typed error for an HTTP status and an already-parsed body.

    ``payload`` is the parsed JSON (or ``None`` for a non-JSON body, whose ``text`` is then the
    message). Used for error statuses, for 200 bodies that hold an error, and for error events
    inside a stream. ``base_url``, when given, lets a 404 say what is most often wrong: every
    Grok provider serves its API under ``/v1``.
    """
    message, code = _message_and_code(payload)
    if message is None:
        message = text.strip() or f"HTTP {status} with an empty body"
    if status == 404 and base_url and not urlsplit(base_url).path.rstrip("/").endswith("/v1"):
        message += (
            f" (the base URL {base_url} does not end in /v1; it probably should: {base_url.rstrip('/')}/v1)"
        )
    kw: dict[str, Any] = {
        "status_code": status,
        "code": code,
        "body": payload if payload is not None else text,
        "request_id": (headers or {}).get("x-request-id"),
        "secret": secret,
    }
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
    base_url: str | None = None,
) -> GrokError:
    """Build the typed error for a whole HTTP answer (status, raw body bytes, headers)."""
    text = content.decode("utf-8", errors="replace")
    try:
        payload = json.loads(text) if text.strip() else None
    except ValueError:
        payload = None
    return error_from_payload(status, payload, text=text, headers=headers, secret=secret, base_url=base_url)


_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)
"""httpx errors raised before any byte of the request left: no connection, or httpx refused it."""
_NEVER_SUCCEEDS = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)
"""A bad URL scheme or an illegal header value fails the same way on every attempt."""


def error_from_transport(exc: httpx.HTTPError, url: str, *, secret: str | None = None) -> GrokError:
    """The typed error for a request that got no HTTP answer.

    A timeout is an :class:`APITimeoutError`, anything else an :class:`APIConnectionError`;
    ``request_sent`` is ``False`` only when nothing can have reached the server. The key is
    scrubbed from the message (httpx quotes an illegal header value whole); raise the result
    ``from None`` so that ``exc``, which still holds it, does not travel along as the cause.
    """
    kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    return kind(
        f"{type(exc).__name__} talking to {url}: {exc}",
        request_sent=not isinstance(exc, _NOT_SENT),
        retryable=False if isinstance(exc, _NEVER_SUCCEEDS) else None,
        secret=secret,
    )
