"""How each provider authenticates, words its errors and limits its callers.

The dialects answer a successful request alike and differ at the edges a client's error handling
is tested against (docs/wire.md, "Errors" and "Grok Inc and grokapi.io"): ``xai`` takes a bearer
key, answers flat ``{"code", "error"}`` bodies (a 400 that masks an unknown key, a plain-text 422
for undecodable JSON, kebab-case codes on ``/v1/responses``) and sends informational rate-limit
headers; ``grokinc`` takes ``X-API-Key``, answers ``{"error": msg}`` (its bodies are undocumented:
the simplest shape an OpenAI client tolerates) and allows 5 requests/min/key; ``grokapi`` takes a
bearer ``sk-grok-`` key, answers OpenAI's nested body and sells credits (402).
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from ._http import Refused, Response
from .replies import Reply

__all__ = ["Dialect", "XaiResponsesDialect", "get_dialect", "kebab_code", "raw_error"]

# gRPC code: (tonic's Code::description(), the HTTP statuses xAI answers with it). xAI puts the
# description in "code"; /v1/responses puts the code's kebab-case name (docs/wire.md, "Errors").
_GRPC = {
    "invalid_argument": ("Client specified an invalid argument", (400, 413, 415, 422)),
    "unauthenticated": ("The request does not have valid authentication credentials", (401,)),
    "permission_denied": ("The caller does not have permission to execute the specified operation", (403,)),
    "not_found": ("Some requested entity was not found", (404,)),
    "unimplemented": ("Operation is not implemented or not supported", (405, 501)),
    "aborted": ("The operation was aborted", (409,)),
    "failed_precondition": (
        "The system is not in a state required for the operation's execution",
        (410, 412),
    ),
    "resource_exhausted": ("Some resource has been exhausted", (429,)),
    "cancelled": ("The operation was cancelled", (499,)),
    "internal": ("Internal error", (500,)),
    "unavailable": ("The service is currently unavailable", (503,)),
    "deadline_exceeded": ("Deadline expired before operation could complete", (504,)),
}
_GRPC_OF_STATUS = {status: code for code, (_, statuses) in _GRPC.items() for status in statuses}
_KEBAB_BY_TEXT = {text: code.replace("_", "-") for code, (text, _) in _GRPC.items()}
_MESSAGES = {  # what xAI says when a script gives no message; other statuses say their HTTP phrase
    403: "You do not have permission to perform this operation.",
    429: "The service is temporarily at capacity. Please retry your request shortly.",
    503: "Service temporarily unavailable. The model is at capacity and currently cannot serve this request. "
    "Please try again later.",
}
_OPENAI_TYPES = {401: "authentication_error", 402: "insufficient_credits", 403: "permission_error"}
_OPENAI_TYPES |= {404: "not_found_error", 429: "rate_limit_error"}
_CONSOLE = "You can obtain an API key from https://console.x.ai."
_XAI_NO_KEY = "No API key provided. Pass it as 'Authorization: Bearer <api key>'."
_XAI_MALFORMED = "Malformed Authorization header: expected 'Bearer <api key>'."
_XAI_RATE_LIMITED = "Rate limit exceeded: too many requests per minute for this model. Please retry your "
_XAI_RATE_LIMITED += "request shortly."
_XAI_NO_CREDITS = (
    "Your team has either used all available credits or reached its monthly spending limit. To continue "
    "making API requests, please purchase more credits or raise your spending limit."
)
_GROKINC_BEARER = "authorization headers aren't a thing here. pass your key in the X-API-Key header."
_GROKINC_NO_KEY = "missing api key. pass it in the X-API-Key header."
_GROKAPI_NO_KEY = "Missing API key. Pass it as 'Authorization: Bearer <your key>'."
_GROKAPI_NO_CREDITS = "Insufficient credits: your balance is exhausted. Top up at https://grokapi.io to "
_GROKAPI_NO_CREDITS += "continue."


def kebab_code(code: str) -> str:
    """The kebab-case name of a tonic code description (a chat-route script's), else ``code``."""
    return _KEBAB_BY_TEXT.get(code, code)


def raw_error(
    status: int,
    body: bytes | str,
    kind: str = "application/json",
    retry_after: float | None = None,
    delay: float = 0.0,
) -> Response:
    """An error with a verbatim body (plain-text 422s, scripted raw bodies).

    ``Retry-After`` is whole seconds when whole, else a short decimal: RFC 9110 only allows
    integers, but a test that scripts ``retry_after=0.2`` wants its client to wait 0.2 s.
    """
    data = body.encode() if isinstance(body, str) else body
    if retry_after is None:
        return Response(status, data, kind, first_byte_delay=delay)
    value = f"{retry_after:.3f}".rstrip("0").rstrip(".")
    return Response(status, data, kind, [("Retry-After", value)], delay)


def _mask(key: str) -> str:
    """A key as error messages quote it: first two and last two characters."""
    return f"{key[:2]}***{key[-2:]}" if len(key) > 4 else "***"


def _bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


Headers = list[tuple[str, str]]


class Dialect:
    """Shared behaviour; subclasses set the auth header and the error body shape."""

    name = ""
    default_rpm: int | None = None

    def authenticate(self, headers: Mapping[str, str], is_valid: Callable[[str], bool]) -> str:
        """The request's key if it is accepted; else raise :class:`Refused` as the provider answers."""
        raise NotImplementedError

    def error_body(self, status: int, message: str, code: str | None) -> dict[str, Any]:
        """The JSON error object for ``status`` (each dialect has its own shape)."""
        raise NotImplementedError

    def error(
        self,
        status: int,
        message: str | None = None,
        code: str | None = None,
        retry: float | None = None,
        delay: float = 0,
    ) -> Response:
        """An error response in this dialect's format, sent ``delay`` seconds late."""
        text = message if message is not None else self.default_message(status)
        body = json.dumps(self.error_body(status, text, code), separators=(",", ":"), ensure_ascii=False)
        return raw_error(status, body, retry_after=retry, delay=delay)

    def refuse(self, status: int, message: str, code: str | None = None) -> Refused:
        return Refused(self.error(status, message, code))

    def scripted_error(self, reply: Reply) -> Response:
        """A scripted ``Reply.error``: a raw ``body`` as is (JSON or plain text), else this dialect's."""
        if reply.body is None:
            return self.error(
                reply.status, reply.message, reply.code, reply.retry_after, reply.first_byte_delay
            )
        kind = "application/json" if reply.body.lstrip()[:1] in (b"{", b"[") else "text/plain; charset=utf-8"
        return raw_error(reply.status, reply.body, kind, reply.retry_after, reply.first_byte_delay)

    def default_message(self, status: int) -> str:
        """What an error says when a script gives no message: xAI's words, else the HTTP phrase."""
        known = status in HTTPStatus._value2member_map_
        return _MESSAGES.get(status) or (f"{HTTPStatus(status).phrase}." if known else "Error.")

    def bad_json(self, detail: str) -> Response:
        """A body that is not the JSON the endpoint expects."""
        return self.error(400, f"Invalid JSON body: {detail}", "invalid_json")

    def missing_field(self, field: str, raw: bytes) -> Response:
        """A required field is absent."""
        return self.error(400, f"Missing required parameter: '{field}'.", "missing_required_parameter")

    def rate_limited(self, limit: int, wait: float) -> Response:
        """Over the per-key requests-per-minute limit."""
        message = f"Rate limit exceeded: {limit} requests per minute."
        return self.error(429, message, "rate_limit_exceeded", max(1, math.ceil(wait)))

    def out_of_credits(self) -> Response:
        """The key's prepaid balance is spent."""
        return self.error(402, "Insufficient credits.", "insufficient_credits")

    def success_headers(self, used: int, tokens: int, rpm: int | None, images: bool) -> Headers:
        """Headers on every 2xx answer of a metered endpoint, given the key's last minute."""
        return []


class XaiDialect(Dialect):
    """api.x.ai: bearer keys, flat gRPC-flavoured errors, informational rate-limit headers."""

    name = "xai"
    quotes_key = True  # the invalid-key message masks and quotes the key
    request_limit, image_request_limit, token_limit = 480, 300, 4_000_000

    def authenticate(self, headers: Mapping[str, str], is_valid: Callable[[str], bool]) -> str:
        key = _bearer(headers)
        if key is None:
            how = _XAI_MALFORMED if "authorization" in headers else _XAI_NO_KEY
            raise self.refuse(401, f"{how} {_CONSOLE}")
        if not is_valid(key):
            quoted = f": {_mask(key)}" if self.quotes_key else ""
            raise self.refuse(400, f"Incorrect API key provided{quoted}. {_CONSOLE}")
        return key

    def error_body(self, status: int, message: str, code: str | None) -> dict[str, Any]:
        if status == 410:
            return {"error": message}
        text = _GRPC[_GRPC_OF_STATUS[status]][0] if status in _GRPC_OF_STATUS else "Unknown error"
        return {"code": code or text, "error": message}

    def bad_json(self, detail: str) -> Response:
        message = f"Failed to deserialize the JSON body into the target type: {detail}"
        return raw_error(422, message, "text/plain; charset=utf-8")

    def missing_field(self, field: str, raw: bytes) -> Response:
        text = raw.decode("utf-8", "replace")  # serde notices a missing field at the end of the body
        position = f"line {text.count(chr(10)) + 1} column {len(text) - (text.rfind(chr(10)) + 1)}"
        return self.bad_json(f"missing field `{field}` at {position}")

    def rate_limited(self, limit: int, wait: float) -> Response:
        return self.error(429, _XAI_RATE_LIMITED)  # never recorded with Retry-After (docs/wire.md, "Errors")

    def out_of_credits(self) -> Response:
        return self.error(429, _XAI_NO_CREDITS)

    def success_headers(self, used: int, tokens: int, rpm: int | None, images: bool) -> Headers:
        limit = rpm or (self.image_request_limit if images else self.request_limit)
        headers = [("X-Ratelimit-Limit-Requests", str(limit))]
        headers.append(("X-Ratelimit-Remaining-Requests", str(max(0, limit - used))))
        if not images:
            headers.append(("X-Ratelimit-Limit-Tokens", str(self.token_limit)))
            headers.append(("X-Ratelimit-Remaining-Tokens", str(max(0, self.token_limit - tokens))))
        return [*headers, ("X-Request-Id", str(uuid.uuid4())), ("X-Zero-Data-Retention", "false")]


class XaiResponsesDialect(XaiDialect):
    """api.x.ai's ``/v1/responses``: the same flat body with kebab-case codes, no masked key."""

    quotes_key = False

    def error_body(self, status: int, message: str, code: str | None) -> dict[str, Any]:
        default = _GRPC_OF_STATUS.get(status, "unknown").replace("_", "-")
        return {"code": kebab_code(code) if code else default, "error": message}


class GrokIncDialect(Dialect):
    """api.grokinc.org: ``X-API-Key`` only, ``{"error": msg}`` bodies, 5 requests/min/key."""

    name = "grokinc"
    default_rpm = 5

    def authenticate(self, headers: Mapping[str, str], is_valid: Callable[[str], bool]) -> str:
        key = headers.get("x-api-key", "").strip()
        if not key:
            raise self.refuse(401, _GROKINC_BEARER if "authorization" in headers else _GROKINC_NO_KEY)
        if not is_valid(key):
            raise self.refuse(401, "invalid api key.")
        return key

    def error_body(self, status: int, message: str, code: str | None) -> dict[str, Any]:
        return {"error": message} if code is None else {"error": message, "code": code}

    def default_message(self, status: int) -> str:
        return super().default_message(status).lower()  # lowercase, like everything Grok Inc says

    def bad_json(self, detail: str) -> Response:
        return self.error(400, f"invalid json body: {detail}")

    def missing_field(self, field: str, raw: bytes) -> Response:
        return self.error(400, f"missing required field: {field}")

    def rate_limited(self, limit: int, wait: float) -> Response:
        message = f"rate limit exceeded: {limit} requests per minute"
        return self.error(429, message, retry=max(1, math.ceil(wait)))


class GrokApiDialect(Dialect):
    """api.grokapi.io: bearer ``sk-grok-`` keys, OpenAI nested errors, prepaid credits."""

    name = "grokapi"

    def authenticate(self, headers: Mapping[str, str], is_valid: Callable[[str], bool]) -> str:
        key = _bearer(headers)
        if key is None:
            raise self.refuse(401, _GROKAPI_NO_KEY, "missing_api_key")
        if not is_valid(key):
            raise self.refuse(401, f"Invalid API key provided: {_mask(key)}.", "invalid_api_key")
        return key

    def error_body(self, status: int, message: str, code: str | None) -> dict[str, Any]:
        kind = _OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        known = status in HTTPStatus._value2member_map_
        code = code or (HTTPStatus(status).name.lower() if known else "error")
        return {"error": {"message": message, "type": kind, "code": code}}

    def out_of_credits(self) -> Response:
        return self.error(402, _GROKAPI_NO_CREDITS, "insufficient_credits")


_DIALECTS = {dialect.name: dialect for dialect in (XaiDialect, GrokIncDialect, GrokApiDialect)}
DIALECT_NAMES = tuple(_DIALECTS)
"""``("xai", "grokinc", "grokapi")``: the one table of the dialects' names."""


def get_dialect(name: str) -> Dialect:
    """The dialect called ``name`` (``xai``, ``grokinc`` or ``grokapi``)."""
    if name not in _DIALECTS:
        raise ValueError(f"unknown dialect {name!r}; expected one of {', '.join(sorted(_DIALECTS))}")
    return _DIALECTS[name]()
