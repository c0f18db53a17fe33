"""Every endpoint except chat completions, and the table that says which dialect has which.

=====================================  =====  =======  =======  ==========================
endpoint                               xai    grokinc  grokapi  notes
=====================================  =====  =======  =======  ==========================
POST /v1/chat/completions              yes    yes      yes      :mod:`.chat`; billable
POST /v1/responses                     yes                      :mod:`.responses_api`; billable
GET  /v1/models[/{id}]                 yes    yes      yes      grokinc's is an extension
GET  /v1/language-models[/{id}]        yes
POST /v1/images/generations            yes    yes
POST /v1/images/edits                  yes                      :mod:`.media`, like generations
POST /v1/videos/generations            yes                      :mod:`.media`; billable
GET  /v1/videos/{request_id}           yes                      202 pending, then 200 done
GET|POST /v1/files                     yes                      :mod:`.media`: upload, list
GET|DELETE /v1/files/{file_id}         yes
GET  /videos/{name}.mp4                public                   videos the server handed out
POST /v1/tokenize-text                 yes
POST /v1/keys/generate                        public
GET  /v1/keys/list                            yes
POST /v1/keys/delete                          yes
POST /v1/chat/explain                         yes
GET  /files/{name}                     public public           images the server handed out
=====================================  =====  =======  =======  ==========================

xAI's Batch API (``/v1/batches`` and below) is served by :mod:`.batch`.

Image URLs point back at this server (``<url>/files/img-<n>.jpeg``) so that a notebook can display
what a client received without touching the network. Every image is the same tiny real JPEG.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..catalogue import ModelInfo, known_models
from . import media
from ._http import Request, Response, StreamResponse
from .chat import chat_completions, measure_prompt
from .dialects import Dialect, XaiResponsesDialect, raw_error
from .replies import Reply, explanation
from .responses_api import measure_input, responses
from .state import State

__all__ = ["Exchange", "Route", "find_route"]

_COMPACT = (",", ":")

# A 16x16 JPEG (blue square, white centre), small enough to inline and real enough to decode.
JPEG_B64 = (
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdB"
    "RkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09P"
    "T09PT09PT09PT09PT0//wAARCAAQABADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/xAAeEAAABAcAAAAAAAAA"
    "AAAAAAAFERITAAEVI0JRYf/EABQBAQAAAAAAAAAAAAAAAAAAAAX/xAAbEQAABwEAAAAAAAAAAAAAAAAAEyMxUWKBkf/aAAwD"
    "AQACEQMRAD8ApgoRVXr7TScFGZ9lqA0EUpm+66rBJEXZ7gCi9KesOupzSRHye4DQvVWbDTSs1GZclqG1jq5HXAKBF9njD//Z"
)
JPEG_BYTES = base64.b64decode(JPEG_B64)
_IMAGE_COST_TICKS = 200_000_000
_CREATED = 1_767_225_600  # 2026-01-01, a fixed "created" for model listings


@dataclass(slots=True)
class Exchange:
    """One request on its way through the server, with what the handlers need."""

    request: Request
    json: Any
    json_error: str | None
    dialect: Dialect
    state: State
    key: str | None = None
    prompt_tokens: int = 0
    image_tokens: int = 0
    billable: bool = False

    def error_reply(self, reply: Reply) -> Response:
        """Render a scripted ``Reply.error`` (a raw ``body`` wins over the dialect's format)."""
        if reply.body is not None:
            body = reply.body.lstrip()
            kind = "application/json" if body[:1] in (b"{", b"[") else "text/plain; charset=utf-8"
            return raw_error(
                reply.status,
                reply.body,
                content_type=kind,
                retry_after=reply.retry_after,
                first_byte_delay=reply.first_byte_delay,
            )
        return self.dialect.error(
            reply.status,
            reply.message,
            reply.code,
            retry_after=reply.retry_after,
            first_byte_delay=reply.first_byte_delay,
        )


Handler = Callable[[Exchange], "Response | StreamResponse"]


@dataclass(frozen=True)
class Route:
    """How to serve one path.

    ``public`` routes need no key and are not rate limited. ``metered`` routes are gated by the
    credit balance and, on xAI, answer with ``X-Ratelimit-*`` headers; ``images`` selects the
    image endpoints' request-only header pair. ``measure`` estimates a model route's
    ``(prompt_tokens, image_tokens)`` up front, because the token count feeds the rate-limit
    window before the handler runs. ``dialect`` replaces the server's dialect for this route
    (auth, limits and errors included): ``/v1/responses`` words its errors differently.
    """

    handler: Handler
    methods: tuple[str, ...]
    public: bool = False
    metered: bool = False
    images: bool = False
    measure: Callable[[Any], tuple[int, int]] | None = None
    dialect: Dialect | None = None


def _json(obj: Any, status: int = 200, *, reply: Reply | None = None) -> Response:
    data = json.dumps(obj, separators=_COMPACT, ensure_ascii=False).encode()
    response = Response(status, data)
    if reply is not None:
        response.first_byte_delay = reply.first_byte_delay
        if reply.cut_after is not None:
            response.declared_length = len(data)
            response.body = data[: max(0, min(reply.cut_after, len(data) - 1))]
    return response


def _body(x: Exchange) -> tuple[Mapping[str, Any] | None, Response | None]:
    if x.json_error is not None:
        return None, x.dialect.bad_json(x.json_error)
    if not isinstance(x.json, Mapping):
        return None, x.dialect.bad_json("invalid type: expected a JSON object at line 1 column 1")
    return x.json, None


def _scripted(x: Exchange) -> tuple[Reply | None, Response | None]:
    """Consume the script for a non-chat endpoint; only errors and faults change its answer."""
    reply = x.state.next_reply()
    if reply is None:
        return None, None
    if reply.kind == "error":
        return reply, x.error_reply(reply)
    if reply.kind == "malformed":
        return reply, Response(200, b'{"data":[{"url":"', first_byte_delay=reply.first_byte_delay)
    if reply.kind == "error_in_body":
        flat = json.dumps({"code": reply.code, "error": reply.message}, separators=_COMPACT)
        return reply, Response(200, flat.encode(), first_byte_delay=reply.first_byte_delay)
    return reply, None


# models ------------------------------------------------------------------------------------


def _price(info: ModelInfo, base: int) -> int:
    return base * (1 + int(hashlib.md5(info.name.encode()).hexdigest()[:2], 16) % 4)


def _listed_models() -> list[ModelInfo]:
    return [m for m in known_models("xai") if m.retired is None]


def _xai_model(info: ModelInfo) -> dict[str, Any]:
    """A ``/v1/models`` entry in the Jul-2026 shape (WIRE_FACTS §8)."""
    if info.image_generation:
        return {
            "id": info.name,
            "context_length": info.context_window,
            "created": _CREATED,
            "object": "model",
            "owned_by": "xai",
            "image_price": 200_000_000,
        }
    return {
        "id": info.name,
        "aliases": list(info.aliases),
        "context_length": info.context_window,
        "created": _CREATED,
        "object": "model",
        "owned_by": "xai",
        "prompt_text_token_price": _price(info, 2_000),
        "cached_prompt_text_token_price": _price(info, 500),
        "prompt_image_token_price": _price(info, 2_000),
        "completion_text_token_price": _price(info, 5_000),
        "prompt_text_token_price_long_context": _price(info, 4_000),
        "cached_prompt_text_token_price_long_context": _price(info, 1_000),
        "completion_text_token_price_long_context": _price(info, 10_000),
        "long_context_threshold": min(200_000, info.context_window),
    }


def _language_model(info: ModelInfo) -> dict[str, Any]:
    """A ``/v1/language-models`` entry (WIRE_FACTS §8; prices in cents per 100M tokens)."""
    return {
        "id": info.name,
        "fingerprint": f"fp_{hashlib.md5(info.name.encode()).hexdigest()[:10]}",
        "created": _CREATED,
        "object": "model",
        "owned_by": "xai",
        "version": "1.0.0",
        "input_modalities": ["text", "image"] if info.vision else ["text"],
        "output_modalities": ["text"],
        "prompt_text_token_price": _price(info, 2_000),
        "cached_prompt_text_token_price": _price(info, 500),
        "prompt_image_token_price": _price(info, 2_000),
        "completion_text_token_price": _price(info, 5_000),
        "search_price": 0,
        "prompt_text_token_price_long_context": _price(info, 4_000),
        "cached_prompt_text_token_price_long_context": _price(info, 1_000),
        "completion_text_token_price_long_context": _price(info, 10_000),
        "long_context_threshold": min(200_000, info.context_window),
        "aliases": list(info.aliases),
    }


def _minimal_model(name: str, owner: str) -> dict[str, Any]:
    return {"id": name, "created": _CREATED, "object": "model", "owned_by": owner}


def _model_entries(dialect: str) -> list[dict[str, Any]]:
    if dialect == "xai":
        return [_xai_model(m) for m in _listed_models()]
    owner = "grokinc" if dialect == "grokinc" else "xai"
    return [_minimal_model(m.name, owner) for m in known_models(dialect)]


def models(x: Exchange) -> Response:
    """``GET /v1/models``: xAI's rich list, or a minimal OpenAI-style list for the proxies."""
    return _json({"data": _model_entries(x.dialect.name), "object": "list"})


def _not_found_model(x: Exchange, name: str) -> Response:
    return x.dialect.error(404, f"The model {name} does not exist or your team does not have access to it.")


def model(x: Exchange) -> Response:
    """``GET /v1/models/{id}`` (aliases are found too)."""
    name = x.request.path.rsplit("/", 1)[1]
    for entry in _model_entries(x.dialect.name):
        if entry["id"] == name or name in entry.get("aliases", ()):
            return _json(entry)
    return _not_found_model(x, name)


def language_models(x: Exchange) -> Response:
    """``GET /v1/language-models``: note ``models``, not ``data``, and no ``object``."""
    return _json({"models": [_language_model(m) for m in _listed_models() if not m.image_generation]})


def language_model(x: Exchange) -> Response:
    """``GET /v1/language-models/{id}``."""
    name = x.request.path.rsplit("/", 1)[1]
    for info in _listed_models():
        if not info.image_generation and (info.name == name or name in info.aliases):
            return _json(_language_model(info))
    return _not_found_model(x, name)


# images ------------------------------------------------------------------------------------


def images(x: Exchange) -> Response:
    """``POST /v1/images/generations``: URLs back to this server, or inline base64 JPEG."""
    body, failure = _body(x)
    if failure is not None:
        return failure
    assert body is not None
    dialect = x.dialect
    if "prompt" not in body:
        return dialect.missing_field("prompt", x.request.body)
    if not isinstance(body["prompt"], str):
        return dialect.bad_json("prompt: invalid type: expected a string at line 1 column 1")
    if dialect.name == "xai":
        for argument in ("size", "quality", "style"):
            if argument in body:
                return dialect.error(400, f"Argument not supported: {argument}")
    count = body.get("n", 1)
    if count is None:
        count = 1
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10:
        return dialect.error(400, "n must be an integer between 1 and 10.")
    kind = body.get("response_format") or "url"
    if kind not in ("url", "b64_json"):
        return dialect.error(400, f"Invalid response_format {kind!r}: expected 'url' or 'b64_json'.")
    reply, scripted = _scripted(x)
    if scripted is not None:
        return scripted
    model_name = str(body.get("model") or "grok-imagine-image")
    items = []
    for number in x.state.issue_images(count):
        item: dict[str, Any] = (
            {"b64_json": JPEG_B64}
            if kind == "b64_json"
            else {"url": f"{x.state.base_url}/files/img-{number}.jpeg"}
        )
        if "grok-2-image" in model_name:
            item["revised_prompt"] = f"A detailed, high-quality image of {body['prompt']}."
        elif dialect.name == "xai":
            item["mime_type"] = "image/jpeg"
        items.append(item)
    x.billable = True
    if dialect.name == "xai":
        return _json({"data": items, "usage": {"cost_in_usd_ticks": _IMAGE_COST_TICKS * count}}, reply=reply)
    return _json({"created": int(time.time()), "data": items}, reply=reply)


def image_edits(x: Exchange) -> Response:
    """``POST /v1/images/edits``: the references checked, then answered like a generation."""
    return media.reference_error(x) or images(x)


_IMAGE_PATH = re.compile(r"^/files/img-(\d+)\.jpeg$")


def files(x: Exchange) -> Response:
    """``GET /files/img-<n>.jpeg``: the bytes behind an image URL this server handed out."""
    match = _IMAGE_PATH.match(x.request.path)
    if match is None or not x.state.image_exists(int(match.group(1))):
        return Response(404, b"Not Found", content_type="text/plain; charset=utf-8")
    return Response(
        200, JPEG_BYTES, content_type="image/jpeg", headers=[("Cache-Control", "public, max-age=14400")]
    )


# tokenize ----------------------------------------------------------------------------------

_TOKENS = re.compile(r" ?[A-Za-z]+| ?\d{1,3}| ?[^\sA-Za-z\d]+|\s+")


def tokenize(x: Exchange) -> Response:
    """``POST /v1/tokenize-text``: a deterministic word/punctuation split, not Grok's tokenizer."""
    body, failure = _body(x)
    if failure is not None:
        return failure
    assert body is not None
    if "text" not in body:
        return x.dialect.missing_field("text", x.request.body)
    text = body["text"]
    if not isinstance(text, str):
        return x.dialect.bad_json("text: invalid type: expected a string at line 1 column 1")
    tokens = []
    for piece in _TOKENS.findall(text):
        digest = hashlib.blake2b(piece.encode(), digest_size=4).digest()
        tokens.append(
            {
                "token_id": int.from_bytes(digest, "big") % 131_072,
                "string_token": piece,
                "token_bytes": list(piece.encode()),
            }
        )
    return _json({"token_ids": tokens})


# grok inc: keys and explain ----------------------------------------------------------------


def _masked(key: str) -> str:
    return f"{key[:4]}...{key[-4:]}"


def keys_generate(x: Exchange) -> Response:
    """``POST /v1/keys/generate`` (public): mint a key that works from now on."""
    body, failure = _body(x)
    if failure is not None:
        return failure
    assert body is not None
    user = body.get("user_identifier")
    if not isinstance(user, str) or not user.strip():
        return x.dialect.missing_field("user_identifier", x.request.body)
    key = x.dialect.new_key(None)
    x.state.add_key(key, user)
    return _json({"api_key": key, "user_identifier": user})


def keys_list(x: Exchange) -> Response:
    """``GET /v1/keys/list``: every key, masked as ``grok...abcd``, oldest first."""
    return _json(
        {
            "keys": [
                {"key": _masked(key), "user_identifier": user, "created_at": created}
                for key, user, created in x.state.list_keys()
            ]
        }
    )


def keys_delete(x: Exchange) -> Response:
    """``POST /v1/keys/delete``: the deleted key stops working at once (even the caller's)."""
    body, failure = _body(x)
    if failure is not None:
        return failure
    assert body is not None
    target = body.get("key_to_delete")
    if not isinstance(target, str) or not target:
        return x.dialect.missing_field("key_to_delete", x.request.body)
    if not x.state.delete_key(target):
        return x.dialect.error(404, "key not found.")
    return _json({"deleted": True})


def explain(x: Exchange) -> Response:
    """``POST /v1/chat/explain``: grok's in-character account of its last answer."""
    body, failure = _body(x)
    if failure is not None:
        return failure
    assert body is not None
    conversation = body.get("conversation")
    last = body.get("last_response")
    if not isinstance(conversation, list):
        return x.dialect.missing_field("conversation", x.request.body)
    if not isinstance(last, str):
        return x.dialect.missing_field("last_response", x.request.body)
    reply, scripted = _scripted(x)
    if scripted is not None:
        return scripted
    text = reply.content if reply is not None and reply.kind == "text" else None
    return _json({"explanation": text or explanation(conversation, last)}, reply=reply)


# routing -----------------------------------------------------------------------------------

_CHAT = Route(chat_completions, ("POST",), metered=True, measure=measure_prompt)
_MODELS = Route(models, ("GET",))
_FILES = Route(files, ("GET",), public=True)

_ROUTES: dict[str, dict[str, Route]] = {
    "xai": {
        "/v1/chat/completions": _CHAT,
        "/v1/responses": Route(
            responses, ("POST",), metered=True, measure=measure_input, dialect=XaiResponsesDialect()
        ),
        "/v1/models": _MODELS,
        "/v1/language-models": Route(language_models, ("GET",)),
        "/v1/images/generations": Route(images, ("POST",), metered=True, images=True),
        "/v1/images/edits": Route(image_edits, ("POST",), metered=True, images=True),
        "/v1/videos/generations": Route(media.start_video, ("POST",), metered=True, images=True),
        "/v1/files": Route(media.files, ("GET", "POST")),
        "/v1/tokenize-text": Route(tokenize, ("POST",)),
    },
    "grokinc": {
        "/v1/chat/completions": _CHAT,
        "/v1/models": _MODELS,
        "/v1/images/generations": Route(images, ("POST",), metered=True, images=True),
        "/v1/keys/generate": Route(keys_generate, ("POST",), public=True),
        "/v1/keys/list": Route(keys_list, ("GET",)),
        "/v1/keys/delete": Route(keys_delete, ("POST",)),
        "/v1/chat/explain": Route(explain, ("POST",), metered=True),
    },
    "grokapi": {
        "/v1/chat/completions": _CHAT,
        "/v1/models": _MODELS,
    },
}
_PREFIXES: dict[str, list[tuple[str, Route]]] = {
    "xai": [
        ("/v1/models/", Route(model, ("GET",))),
        ("/v1/language-models/", Route(language_model, ("GET",))),
        ("/v1/videos/", Route(media.video_status, ("GET",))),
        ("/v1/files/", Route(media.file, ("GET", "DELETE"))),
        ("/videos/", Route(media.video_file, ("GET",), public=True)),
        ("/files/", _FILES),
    ],
    "grokinc": [("/v1/models/", Route(model, ("GET",))), ("/files/", _FILES)],
    "grokapi": [("/v1/models/", Route(model, ("GET",)))],
}


def find_route(dialect: str, path: str) -> Route | None:
    """The route serving ``path`` in ``dialect``, or None (a 404)."""
    if dialect == "xai" and path.startswith("/v1/batches"):
        from .batch import batch_route  # imported late: .batch builds on this module

        return batch_route(path)
    route = _ROUTES[dialect].get(path)
    if route is not None:
        return route
    for prefix, candidate in _PREFIXES[dialect]:
        if path.startswith(prefix) and len(path) > len(prefix) and "/" not in path[len(prefix) :]:
            return candidate
    return None
