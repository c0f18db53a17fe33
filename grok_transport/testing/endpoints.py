"""The endpoints that are not a chat turn: models, images, tokens, Grok Inc's keys and explain.

Image URLs point back at this server (``<url>/files/img-<n>.jpeg``) so that a notebook can display
what a client received without touching the network. Every image is the same tiny real JPEG.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from typing import Any

from .._catalogue import ModelInfo, known_models
from .._videos import VIDEO_MODELS
from . import media
from . import models as models_served
from ._http import Response
from .exchange import Exchange, json_response
from .stand_ins import explanation

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
_OWNED = {"created": 1_767_225_600, "object": "model"}  # a fixed "created" (2026-01-01) for model listings


# models ------------------------------------------------------------------------------------


def _listed(extra: frozenset[str] = frozenset()) -> list[ModelInfo]:
    """The catalogue's live xAI models, then a test's own (see :mod:`.models`)."""
    catalogued = [m for m in known_models("xai") if m.retired is None]
    names = {n for m in catalogued for n in (m.name, *m.aliases)}
    return catalogued + [ModelInfo(name, aliases=()) for name in sorted(extra) if name not in names]


_PRICES = {"prompt_text_token_price": 2_000, "cached_prompt_text_token_price": 500}  # ticks per token
_PRICES |= {"prompt_image_token_price": 2_000, "completion_text_token_price": 5_000}
_LONG_CONTEXT_PRICES = {"prompt_text_token_price_long_context": 4_000}
_LONG_CONTEXT_PRICES |= {"cached_prompt_text_token_price_long_context": 1_000}
_LONG_CONTEXT_PRICES |= {"completion_text_token_price_long_context": 10_000}


def _prices(info: ModelInfo, table: dict[str, int]) -> dict[str, int]:
    """A model's prices in the listing's units, different per model but stable."""
    factor = 1 + int(hashlib.md5(info.name.encode()).hexdigest()[:2], 16) % 4
    return {key: base * factor for key, base in table.items()}


def _xai_model(info: ModelInfo) -> dict[str, Any]:
    """A ``/v1/models`` entry in the Jul-2026 shape (docs/wire.md, "Model listing")."""
    head = {"id": info.name} if info.image_generation else {"id": info.name, "aliases": list(info.aliases)}
    entry = {**head, "context_length": info.context_window, **_OWNED, "owned_by": "xai"}
    if info.image_generation:
        return {**entry, "image_price": _IMAGE_COST_TICKS}
    return {**entry, **_prices(info, _PRICES), **_long_context(info)}


def _language_model(info: ModelInfo) -> dict[str, Any]:
    """A ``/v1/language-models`` entry (docs/wire.md, "Model listing")."""
    fingerprint = f"fp_{hashlib.md5(info.name.encode()).hexdigest()[:10]}"
    inputs = ["text", "image"] if info.vision else ["text"]
    entry = {"id": info.name, "fingerprint": fingerprint, **_OWNED, "owned_by": "xai", "version": "1.0.0"}
    entry |= {"input_modalities": inputs, "output_modalities": ["text"], **_prices(info, _PRICES)}
    return {**entry, "search_price": 0, **_long_context(info), "aliases": list(info.aliases)}


def _long_context(info: ModelInfo) -> dict[str, int]:
    threshold = min(200_000, info.context_window)
    return {**_prices(info, _LONG_CONTEXT_PRICES), "long_context_threshold": threshold}


def _entries(dialect: str, extra: frozenset[str]) -> list[dict[str, Any]]:
    if dialect == "xai":
        videos = [{"id": name, **_OWNED, "owned_by": "xai"} for name in VIDEO_MODELS]  # ids only, as xAI's
        return [*(_xai_model(m) for m in _listed(extra)), *videos]
    owner = "grokinc" if dialect == "grokinc" else "xai"
    names = [m.name for m in known_models(dialect)]
    return [{"id": name, **_OWNED, "owned_by": owner} for name in [*names, *sorted(extra - set(names))]]


def _language_models(extra: frozenset[str]) -> list[dict[str, Any]]:
    return [_language_model(m) for m in _listed(extra) if not m.image_generation]


def _one(x: Exchange, entries: list[dict[str, Any]]) -> Response:
    """The entry named ``{id}`` (aliases are found too), else xAI's 404."""
    name = x.params["id"]
    entry = next((e for e in entries if name in (e["id"], *e.get("aliases", ()))), None)
    if entry is None:
        x.refuse(404, models_served.not_served(name))
    return json_response(entry)


def models(x: Exchange) -> Response:
    """``GET /v1/models``: xAI's rich list, or a minimal OpenAI-style list for the proxies."""
    return json_response({"data": _entries(x.dialect.name, x.state.models), "object": "list"})


def model(x: Exchange) -> Response:
    """``GET /v1/models/{id}``."""
    return _one(x, _entries(x.dialect.name, x.state.models))


def language_models(x: Exchange) -> Response:
    """``GET /v1/language-models``: note ``models``, not ``data``, and no ``object``."""
    return json_response({"models": _language_models(x.state.models)})


def language_model(x: Exchange) -> Response:
    """``GET /v1/language-models/{id}``."""
    return _one(x, _language_models(x.state.models))


# images ------------------------------------------------------------------------------------


def images(x: Exchange) -> Response:
    """``POST /v1/images/generations``: URLs back to this server, or inline base64 JPEG."""
    body = x.body()
    dialect = x.dialect
    x.require(body, "prompt")
    prompt = x.expect(body, "prompt")
    if dialect.name == "xai":
        for argument in ("size", "quality", "style"):
            if argument in body:
                x.refuse(400, f"Argument not supported: {argument}")
    count = 1 if body.get("n") is None else body["n"]
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10:
        x.refuse(400, "n must be an integer between 1 and 10.")
    kind = body.get("response_format") or "url"
    if kind not in ("url", "b64_json"):
        x.refuse(400, f"Invalid response_format {kind!r}: expected 'url' or 'b64_json'.")
    if isinstance(body.get("model"), str):
        x.check_model(body["model"])
    reply = x.next_reply()
    model_name = str(body.get("model") or "grok-imagine-image")
    items = []
    for number in x.state.issue_images(count):
        url = f"{x.state.base_url}/files/img-{number}.jpeg"
        item: dict[str, Any] = {"b64_json": JPEG_B64} if kind == "b64_json" else {"url": url}
        if "grok-2-image" in model_name:
            item["revised_prompt"] = f"A detailed, high-quality image of {prompt}."
        elif dialect.name == "xai":
            item["mime_type"] = "image/jpeg"
        items.append(item)
    if dialect.name == "xai":
        usage = {"cost_in_usd_ticks": _IMAGE_COST_TICKS * count}
        return json_response({"data": items, "usage": usage}, reply)
    return json_response({"created": int(time.time()), "data": items}, reply)


def image_edits(x: Exchange) -> Response:
    """``POST /v1/images/edits``: the references checked, then answered like a generation."""
    return media.reference_error(x) or images(x)


def files(x: Exchange) -> Response:
    """``GET /files/img-<n>.jpeg``: the bytes behind an image URL this server handed out."""
    match = re.fullmatch(r"img-(\d+)\.jpeg", x.params["name"])
    if match is None or not 1 <= int(match.group(1)) <= x.state.images:
        return Response(404, b"Not Found", content_type="text/plain; charset=utf-8")
    return Response(200, JPEG_BYTES, "image/jpeg", [("Cache-Control", "public, max-age=14400")])


# tokenize ----------------------------------------------------------------------------------

_TOKENS = re.compile(r" ?[A-Za-z]+| ?\d{1,3}| ?[^\sA-Za-z\d]+|\s+")


def tokenize(x: Exchange) -> Response:
    """``POST /v1/tokenize-text``: a deterministic word/punctuation split, not Grok's tokenizer."""
    body = x.body()
    x.require(body, "text")
    tokens = []
    for piece in _TOKENS.findall(x.expect(body, "text")):
        digest = hashlib.blake2b(piece.encode(), digest_size=4).digest()
        number = int.from_bytes(digest, "big") % 131_072
        tokens.append({"token_id": number, "string_token": piece, "token_bytes": list(piece.encode())})
    return json_response({"token_ids": tokens})


# grok inc: keys and explain ----------------------------------------------------------------


def keys_generate(x: Exchange) -> Response:
    """``POST /v1/keys/generate`` (public): mint a key that works from now on."""
    user = x.body().get("user_identifier")
    if not isinstance(user, str) or not user.strip():
        x.missing("user_identifier")
    key = f"grokinc-{secrets.token_hex(16)}"
    x.state.keys[key] = (user, int(time.time()))
    return json_response({"api_key": key, "user_identifier": user})


def keys_list(x: Exchange) -> Response:
    """``GET /v1/keys/list``: every key, masked as ``grok...abcd``, oldest first."""
    listed = list(x.state.keys.items())
    keys = [{"key": f"{k[:4]}...{k[-4:]}", "user_identifier": u, "created_at": c} for k, (u, c) in listed]
    return json_response({"keys": keys})


def keys_delete(x: Exchange) -> Response:
    """``POST /v1/keys/delete``: the deleted key stops working at once (even the caller's)."""
    target = x.body().get("key_to_delete")
    if not isinstance(target, str) or not target:
        x.missing("key_to_delete")
    if x.state.keys.pop(target, None) is None:
        x.refuse(404, "key not found.")
    return json_response({"deleted": True})


def explain(x: Exchange) -> Response:
    """``POST /v1/chat/explain``: grok's in-character account of its last answer."""
    body = x.body()
    conversation, last = body.get("conversation"), body.get("last_response")
    if not isinstance(conversation, list):
        x.missing("conversation")
    if not isinstance(last, str):
        x.missing("last_response")
    reply = x.next_reply()
    text = reply.content if reply is not None and reply.kind == "text" else None
    return json_response({"explanation": text or explanation(conversation, last)}, reply)
