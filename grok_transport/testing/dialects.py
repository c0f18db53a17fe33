"""How each provider authenticates, words its errors and limits its callers.

The three dialects answer the same chat request identically when it succeeds; they differ at the
edges, and the edges are what a client's error handling is tested against:

=========  ===========================  ==========================================  ============
dialect    auth header                  error body                                  limits
=========  ===========================  ==========================================  ============
xai        ``Authorization: Bearer``    flat ``{"code": <gRPC text>, "error": msg}``  headers only
grokinc    ``X-API-Key``                ``{"error": msg}``                          5 req/min/key
grokapi    ``Authorization: Bearer``    ``{"error": {"message","type","code"}}``    credits (402)
=========  ===========================  ==========================================  ============

xAI quirks reproduced from WIRE_FACTS §1 and §10: an unknown key is a **400** (not 401) whose
message masks the key as ``xa***ey``; a missing header is a 401; errors carry no rate-limit
headers; the 410 for Live Search has only ``error``; undecodable JSON is a plain-text 422.

xAI's Responses API (``/v1/responses``, recorded Aug 2026) words the same flat body differently:
``code`` is the kebab-case gRPC name (``invalid-argument``, ``resource-exhausted``…) and the
invalid-key message no longer quotes the key. :class:`XaiResponsesDialect` is that variant; a
route opts into it, so the chat route keeps the older wording its recordings show.

Grok Inc's error bodies are not documented (seed 000); ``{"error": "<lowercase message>"}`` was
chosen because it is the simplest shape an OpenAI-compatible client tolerates. grokapi.io documents
the OpenAI nested body (seed 001); its ``type``/``code`` strings are OpenAI's where one exists.
"""

from __future__ import annotations

import json
import math
import secrets
import uuid
from collections import deque
from collections.abc import Callable, Mapping

from ._http import Response

__all__ = [
    "Dialect",
    "XaiDialect",
    "XaiResponsesDialect",
    "GrokIncDialect",
    "GrokApiDialect",
    "RequestWindow",
    "get_dialect",
    "format_retry_after",
    "kebab_code",
    "mask_key",
]

_JSON_SEPARATORS = (",", ":")

# tonic's Code::description() texts, as xAI puts them in "code" (WIRE_FACTS §10).
_GRPC_TEXT = {
    400: "Client specified an invalid argument",
    401: "The request does not have valid authentication credentials",
    403: "The caller does not have permission to execute the specified operation",
    404: "Some requested entity was not found",
    405: "Operation is not implemented or not supported",
    409: "The operation was aborted",
    412: "The system is not in a state required for the operation's execution",
    413: "Client specified an invalid argument",
    415: "Client specified an invalid argument",
    422: "Client specified an invalid argument",
    429: "Some resource has been exhausted",
    499: "The operation was cancelled",
    500: "Internal error",
    501: "Operation is not implemented or not supported",
    503: "The service is currently unavailable",
    504: "Deadline expired before operation could complete",
}

# The same statuses as gRPC code names, kebab-cased: what /v1/responses puts in "code" (Aug 2026).
_KEBAB = {
    400: "invalid-argument",
    401: "unauthenticated",
    403: "permission-denied",
    404: "not-found",
    405: "unimplemented",
    409: "aborted",
    410: "failed-precondition",
    412: "failed-precondition",
    413: "invalid-argument",
    415: "invalid-argument",
    422: "invalid-argument",
    429: "resource-exhausted",
    499: "cancelled",
    500: "internal",
    501: "unimplemented",
    503: "unavailable",
    504: "deadline-exceeded",
}
_KEBAB_BY_TEXT = {text: _KEBAB[status] for status, text in _GRPC_TEXT.items()}

_DEFAULT_MESSAGES = {
    400: "Bad request.",
    401: "Unauthorized.",
    402: "Payment required.",
    403: "You do not have permission to perform this operation.",
    404: "The requested resource was not found.",
    405: "Method not allowed.",
    408: "Request timed out.",
    409: "Conflict.",
    413: "Request body too large.",
    415: "Unsupported media type.",
    422: "Unprocessable entity.",
    429: "The service is temporarily at capacity. Please retry your request shortly.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: (
        "Service temporarily unavailable. The model is at capacity and currently cannot serve "
        "this request. Please try again later."
    ),
    504: "Gateway timeout.",
}

WINDOW_SECONDS = 60.0


def format_retry_after(seconds: float) -> str:
    """``Retry-After`` as whole seconds when whole, else a short decimal.

    RFC 9110 only allows integers, but a test that scripts ``retry_after=0.2`` wants its client
    to wait 0.2 s, not 1 s; clients that parse floats get the exact value, others round.
    """
    if float(seconds).is_integer():
        return str(int(seconds))
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


def kebab_code(code: str) -> str:
    """The kebab-case name for one of tonic's code descriptions; other codes pass unchanged.

    Lets a script written for the chat route (``Reply.error_in_body()`` defaults to
    ``"The service is currently unavailable"``) read as ``"unavailable"`` on ``/v1/responses``.
    """
    return _KEBAB_BY_TEXT.get(code, code)


def mask_key(key: str) -> str:
    """Mask a key as xAI does in its invalid-key message: first two and last two characters."""
    if len(key) <= 4:
        return "***"
    return f"{key[:2]}***{key[-2:]}"


class RequestWindow:
    """One key's admitted requests over the last 60 seconds (a sliding window).

    The same structure answers both the enforced limit (Grok Inc's 5 rpm, or any
    ``rate_limit_rpm``) and xAI's informational ``X-Ratelimit-Remaining-*`` headers.
    """

    __slots__ = ("_events", "tokens")

    def __init__(self) -> None:
        self._events: deque[tuple[float, int]] = deque()
        self.tokens = 0

    def _prune(self, now: float) -> None:
        events = self._events
        horizon = now - WINDOW_SECONDS
        while events and events[0][0] <= horizon:
            self.tokens -= events.popleft()[1]

    def count(self, now: float) -> int:
        """Requests admitted within the window ending at ``now``."""
        self._prune(now)
        return len(self._events)

    def admit(self, now: float, limit: int | None, tokens: int = 0) -> float | None:
        """Record a request, or return the seconds until a slot frees if ``limit`` is reached."""
        self._prune(now)
        if limit is not None and len(self._events) >= limit:
            return max(0.0, self._events[0][0] + WINDOW_SECONDS - now)
        self._events.append((now, tokens))
        self.tokens += tokens
        return None


class Dialect:
    """Shared behaviour; subclasses set the auth header and the error body shape."""

    name = ""
    key_prefix = ""
    default_rpm: int | None = None

    # keys --------------------------------------------------------------------------------

    def new_key(self, label: str | None = "test") -> str:
        """A fresh key in this provider's format; ``label`` marks the server's own key."""
        if label:
            return f"{self.key_prefix}{label}-{secrets.token_hex(12)}"
        return f"{self.key_prefix}{secrets.token_hex(16)}"

    def authenticate(
        self, headers: Mapping[str, str], is_valid: Callable[[str], bool]
    ) -> tuple[str | None, Response | None]:
        """Return ``(key, None)`` for an accepted key or ``(None, error response)``."""
        raise NotImplementedError

    # errors ------------------------------------------------------------------------------

    def error_body(self, status: int, message: str, code: str | None) -> dict:
        """The JSON error object for ``status`` (each dialect has its own shape)."""
        raise NotImplementedError

    def error(
        self,
        status: int,
        message: str | None = None,
        code: str | None = None,
        *,
        retry_after: float | None = None,
        first_byte_delay: float = 0.0,
    ) -> Response:
        """An error response in this dialect's format."""
        text = message if message is not None else _DEFAULT_MESSAGES.get(status, "Error.")
        body = json.dumps(
            self.error_body(status, text, code), separators=_JSON_SEPARATORS, ensure_ascii=False
        ).encode()
        return raw_error(status, body, retry_after=retry_after, first_byte_delay=first_byte_delay)

    def bad_json(self, detail: str) -> Response:
        """A body that is not the JSON the endpoint expects (xAI: plain-text 422 from serde)."""
        return self.error(400, f"Invalid JSON body: {detail}", "invalid_json")

    def missing_field(self, field: str, raw: bytes) -> Response:
        """A required field is absent."""
        return self.error(400, f"Missing required parameter: '{field}'.", "missing_required_parameter")

    def rate_limited(self, limit: int, wait: float) -> Response:
        """Over the per-key requests-per-minute limit."""
        return self.error(
            429,
            f"Rate limit exceeded: {limit} requests per minute.",
            "rate_limit_exceeded",
            retry_after=max(1, math.ceil(wait)),
        )

    def out_of_credits(self) -> Response:
        """The key's prepaid balance is spent (only grokapi bills per request)."""
        return self.error(402, "Insufficient credits.", "insufficient_credits")

    def success_headers(
        self, window: RequestWindow | None, now: float, *, rpm: int | None, images: bool = False
    ) -> list[tuple[str, str]]:
        """Headers added to every 2xx answer of a billable endpoint (none by default)."""
        return []


def raw_error(
    status: int,
    body: bytes | str,
    *,
    content_type: str = "application/json",
    retry_after: float | None = None,
    first_byte_delay: float = 0.0,
) -> Response:
    """An error with a verbatim body (plain-text 422s, scripted raw bodies)."""
    headers = [] if retry_after is None else [("Retry-After", format_retry_after(retry_after))]
    data = body.encode() if isinstance(body, str) else body
    return Response(
        status, data, content_type=content_type, headers=headers, first_byte_delay=first_byte_delay
    )


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _serde_position(raw: bytes) -> str:
    """Where serde says a missing field was noticed: at the end of the body."""
    text = raw.decode("utf-8", "replace")
    line = text.count("\n") + 1
    column = len(text) - (text.rfind("\n") + 1)
    return f"line {line} column {column}"


class XaiDialect(Dialect):
    """api.x.ai: bearer keys, flat gRPC-flavoured errors, informational rate-limit headers."""

    name = "xai"
    key_prefix = "xai-"
    request_limit = 480
    image_request_limit = 300
    token_limit = 4_000_000

    def authenticate(self, headers, is_valid):
        key = _bearer(headers)
        if key is None:
            if "authorization" in headers:
                message = (
                    "Malformed Authorization header: expected 'Bearer <api key>'. "
                    "You can obtain an API key from https://console.x.ai."
                )
            else:
                message = (
                    "No API key provided. Pass it as 'Authorization: Bearer <api key>'. "
                    "You can obtain an API key from https://console.x.ai."
                )
            return None, self.error(401, message)
        if not is_valid(key):
            return None, self.error(
                400,
                f"Incorrect API key provided: {mask_key(key)}. "
                "You can obtain an API key from https://console.x.ai.",
            )
        return key, None

    def error_body(self, status, message, code):
        if status == 410:
            return {"error": message}
        return {"code": code or _GRPC_TEXT.get(status, "Unknown error"), "error": message}

    def bad_json(self, detail):
        return raw_error(
            422,
            f"Failed to deserialize the JSON body into the target type: {detail}",
            content_type="text/plain; charset=utf-8",
        )

    def missing_field(self, field, raw):
        return self.bad_json(f"missing field `{field}` at {_serde_position(raw)}")

    def rate_limited(self, limit, wait):
        # xAI was never recorded sending Retry-After (WIRE_FACTS §1), so none is sent here.
        return self.error(
            429,
            "Rate limit exceeded: too many requests per minute for this "
            "model. Please retry your request shortly.",
        )

    def out_of_credits(self):
        return self.error(
            429,
            "Your team has either used all available credits or reached its monthly spending "
            "limit. To continue making API requests, please purchase more credits or raise "
            "your spending limit.",
        )

    def success_headers(self, window, now, *, rpm, images=False):
        limit = rpm or (self.image_request_limit if images else self.request_limit)
        used = window.count(now) if window is not None else 0
        headers = [
            ("X-Ratelimit-Limit-Requests", str(limit)),
            ("X-Ratelimit-Remaining-Requests", str(max(0, limit - used))),
        ]
        if not images:
            spent = window.tokens if window is not None else 0
            headers += [
                ("X-Ratelimit-Limit-Tokens", str(self.token_limit)),
                ("X-Ratelimit-Remaining-Tokens", str(max(0, self.token_limit - spent))),
            ]
        headers += [("X-Request-Id", str(uuid.uuid4())), ("X-Zero-Data-Retention", "false")]
        return headers


class XaiResponsesDialect(XaiDialect):
    """api.x.ai's ``/v1/responses``: the same flat body with kebab-case codes (Aug 2026).

    Recorded: a bad key is ``400 {"code":"invalid-argument","error":"Incorrect API key provided.
    You can obtain an API key from https://console.x.ai."}`` (no masked key any more). Everything
    else (statuses, headers, plain-text 422s for bodies that do not deserialize) is inherited.
    """

    def authenticate(self, headers, is_valid):
        key, failure = super().authenticate(headers, is_valid)
        if failure is not None and failure.status == 400:
            return None, self.error(
                400, "Incorrect API key provided. You can obtain an API key from https://console.x.ai."
            )
        return key, failure

    def error_body(self, status, message, code):
        return {"code": kebab_code(code) if code else _KEBAB.get(status, "unknown"), "error": message}


class GrokIncDialect(Dialect):
    """api.grokinc.org: ``X-API-Key`` only, ``{"error": msg}`` bodies, 5 requests/min/key."""

    name = "grokinc"
    key_prefix = "grokinc-"
    default_rpm = 5

    def authenticate(self, headers, is_valid):
        key = headers.get("x-api-key", "").strip() or None
        if key is None:
            if "authorization" in headers:
                message = "authorization headers aren't a thing here. pass your key in the X-API-Key header."
            else:
                message = "missing api key. pass it in the X-API-Key header."
            return None, self.error(401, message)
        if not is_valid(key):
            return None, self.error(401, "invalid api key.")
        return key, None

    def error_body(self, status, message, code):
        body = {"error": message}
        if code is not None:
            body["code"] = code
        return body

    def error(self, status, message=None, code=None, *, retry_after=None, first_byte_delay=0.0):
        """Grok Inc's messages are lowercase like everything else it says."""
        if message is None:
            message = _DEFAULT_MESSAGES.get(status, "error.").lower()
        return super().error(
            status, message, code, retry_after=retry_after, first_byte_delay=first_byte_delay
        )

    def bad_json(self, detail):
        return self.error(400, f"invalid json body: {detail}")

    def missing_field(self, field, raw):
        return self.error(400, f"missing required field: {field}")

    def rate_limited(self, limit, wait):
        return self.error(
            429, f"rate limit exceeded: {limit} requests per minute", retry_after=max(1, math.ceil(wait))
        )


_OPENAI_TYPES = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("authentication_error", "invalid_api_key"),
    402: ("insufficient_credits", "insufficient_credits"),
    403: ("permission_error", "permission_denied"),
    404: ("not_found_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    409: ("invalid_request_error", "conflict"),
    413: ("invalid_request_error", "request_too_large"),
    415: ("invalid_request_error", "unsupported_media_type"),
    422: ("invalid_request_error", "unprocessable_entity"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    500: ("server_error", "internal_error"),
    502: ("server_error", "bad_gateway"),
    503: ("server_error", "upstream_unavailable"),
    504: ("server_error", "upstream_timeout"),
}


class GrokApiDialect(Dialect):
    """api.grokapi.io: bearer ``sk-grok-`` keys, OpenAI nested errors, prepaid credits."""

    name = "grokapi"
    key_prefix = "sk-grok-"

    def authenticate(self, headers, is_valid):
        key = _bearer(headers)
        if key is None:
            return None, self.error(
                401,
                "Missing API key. Pass it as 'Authorization: Bearer <your key>'.",
                "missing_api_key",
            )
        if not is_valid(key):
            return None, self.error(401, f"Invalid API key provided: {mask_key(key)}.", "invalid_api_key")
        return key, None

    def error_body(self, status, message, code):
        kind, default_code = _OPENAI_TYPES.get(
            status, ("server_error" if status >= 500 else "invalid_request_error", "error")
        )
        return {"error": {"message": message, "type": kind, "code": code or default_code}}

    def out_of_credits(self):
        return self.error(
            402,
            "Insufficient credits: your balance is exhausted. Top up at https://grokapi.io to continue.",
            "insufficient_credits",
        )


_DIALECTS: dict[str, type[Dialect]] = {
    "xai": XaiDialect,
    "grokinc": GrokIncDialect,
    "grokapi": GrokApiDialect,
}


def get_dialect(name: str) -> Dialect:
    """The dialect called ``name`` (``xai``, ``grokinc`` or ``grokapi``)."""
    try:
        return _DIALECTS[name]()
    except KeyError:
        raise ValueError(
            f"unknown dialect {name!r}; expected one of {', '.join(sorted(_DIALECTS))}"
        ) from None
