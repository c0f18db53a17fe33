"""One request on its way through the server, and what every handler needs to answer it.

A handler is ``handler(x: Exchange) -> Response | StreamResponse``: it reads ``x.json``, takes
the next scripted reply, and answers through the helpers here or refuses (:class:`Refused`).
Kept apart from the routing table and the server, so that modules import in one direction only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn, Protocol

from . import models
from ._http import Refused, Request, Response, StreamResponse
from .dialects import Dialect
from .replies import Reply
from .state import State

__all__ = ["Exchange", "Refused", "Wire", "dumps", "json_response", "render", "with_overrides"]

SSE_HEADERS = (("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"))


def dumps(value: Any) -> str:
    """Compact JSON, as the real services write it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(slots=True)
class Exchange:
    """A request, its parsed JSON body, the dialect answering it and the server's state.

    ``params`` holds the path's ``{name}`` segments; the token counts are the route's estimate,
    made before the handler because they count against the key's rate-limit window.
    """

    request: Request
    json: Any
    json_error: str | None
    dialect: Dialect
    state: State
    params: dict[str, str] = field(default_factory=dict)
    key: str | None = None
    prompt_tokens: int = 0
    image_tokens: int = 0
    billable: bool = False

    def body(self, kind: str = "a JSON object") -> Mapping[str, Any]:
        """The JSON body as an object, else refuse it as the dialect refuses undecodable bodies."""
        if self.json_error is not None:
            self.bad(self.json_error)
        if not isinstance(self.json, Mapping):
            self.bad(f"invalid type: expected {kind} at line 1 column 1")
        return self.json

    def refuse(self, status: int, message: str, code: str | None = None) -> NoReturn:
        """Refuse the request with an error in the dialect's words."""
        raise self.dialect.refuse(status, message, code)

    def bad(self, detail: str) -> NoReturn:
        """Refuse a body that does not deserialize, as the dialect words it."""
        raise Refused(self.dialect.bad_json(detail))

    def check_model(self, name: str) -> None:
        """Refuse a model this server does not serve with xAI's 404 (see :mod:`.models`)."""
        if not models.serves(self.dialect.name, name, self.state.models):
            self.refuse(404, models.not_served(name))

    def within_context(self, tokens: int, window: int) -> None:
        """Refuse a prompt longer than the model's context window."""
        if tokens > window:
            text = f"This model's maximum prompt length is {window} but the request contains {tokens} tokens."
            self.refuse(400, text, None if self.dialect.name == "xai" else "context_length_exceeded")

    def missing(self, name: str) -> NoReturn:
        """Refuse a body that lacks field ``name``, as the dialect words it."""
        raise Refused(self.dialect.missing_field(name, self.request.body))

    def require(self, body: Mapping[str, Any], *names: str) -> None:
        """Refuse a body that lacks one of ``names``."""
        for name in names:
            if name not in body:
                self.missing(name)

    def expect(self, body: Mapping[str, Any], name: str, kind: Any = str, expected: str = "a string") -> Any:
        """``body[name]`` (present), refused unless it is a ``kind``."""
        if not isinstance(body[name], kind):
            self.bad(f"{name}: invalid type: expected {expected} at line 1 column 1")
        return body[name]

    def next_reply(self) -> Reply | None:
        """Take the script's next reply (None: answer with the stand-in); a scripted error is sent at once."""
        reply = self.state.next_reply()
        if reply is not None and reply.kind == "error":
            raise Refused(self.dialect.scripted_error(reply))
        self.billable = reply is None or reply.kind != "error_in_body"
        return reply


def json_response(obj: Any, reply: Reply | None = None, error: Any = None) -> Response:
    """``obj`` as JSON, with the faults ``reply`` asks for (see :class:`Reply`).

    ``error_in_body`` sends ``error``, by default xAI's flat ``{"code", "error"}``, with status 200.
    """
    data = dumps(obj).encode()
    if reply is None:
        return Response(200, data)
    if reply.kind == "malformed":
        data = data[: len(data) // 2]
    elif reply.kind == "error_in_body":
        data = dumps(error or {"code": reply.code, "error": reply.message}).encode()
    response = Response(200, data, first_byte_delay=reply.first_byte_delay)
    if reply.cut_after is not None:
        response.declared_length = len(data)
        response.body = data[: max(0, min(reply.cut_after, len(data) - 1))]
    return response


class Wire(Protocol):
    """One answer in one wire format: plain, streamed, or broken as a :class:`Reply` fault asks.

    ``error_events`` sends ``reply.after`` text events first; ``error_body`` is a plain 200's.
    """

    def json(self) -> Any: ...
    def events(self) -> list[bytes]: ...
    def malformed_events(self) -> list[bytes]: ...
    def error_events(self, reply: Reply) -> list[bytes]: ...
    def error_body(self, reply: Reply) -> Any: ...


def render(wire: Wire, reply: Reply | None, stream: bool) -> Response | StreamResponse:
    """The HTTP answer for ``wire``, with the faults ``reply`` asks for."""
    if not stream:
        error = wire.error_body(reply) if reply is not None and reply.kind == "error_in_body" else None
        return json_response(wire.json(), reply, error)
    faults = reply or Reply("text")
    if faults.kind == "malformed":
        events = wire.malformed_events()
    else:
        events = wire.error_events(faults) if faults.kind == "error_in_body" else wire.events()
    cut = faults.cut_after if faults.kind != "error_in_body" else None
    return StreamResponse(200, events, list(SSE_HEADERS), faults.first_byte_delay, faults.chunk_delay, cut)


def with_overrides(
    usage: dict[str, Any], overrides: Mapping[str, Any] | None, total: tuple[str, ...]
) -> dict[str, Any]:
    """``usage`` with a script's entries merged in (nested objects key by key).

    Unless the script sets ``total_tokens``, it is recomputed as the sum of the ``total`` keys
    (a nested object counts its ``reasoning_tokens``), so scripted counts still add up.
    """
    if not overrides:
        return usage
    for key, value in overrides.items():
        nested = isinstance(value, Mapping) and isinstance(usage.get(key), dict)
        usage[key] = {**usage[key], **value} if nested else value
    if "total_tokens" not in overrides:
        parts = [usage.get(key, 0) for key in total]
        usage["total_tokens"] = sum(p["reasoning_tokens"] if isinstance(p, Mapping) else p for p in parts)
    return usage
