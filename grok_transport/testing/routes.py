"""Which endpoints each dialect serves: one row per endpoint.

To add an endpoint, write ``handler(x: Exchange) -> Response | StreamResponse`` (see
:mod:`.exchange`) and add its row here. ``{name}`` in a path matches one segment (or its start,
as in ``/v1/batches/{id}:cancel``) and reaches the handler as ``x.params["name"]``.

Options: ``management`` routes take the management key, not the API key; ``public`` routes need
no key and are not rate limited; ``metered`` ones are gated by credits and, on xAI, answer with
``X-Ratelimit-*`` headers (``images``: the image endpoints' pair). ``measure`` estimates
``(prompt_tokens, image_tokens)`` before the handler runs, for the rate-limit window.
``dialect`` overrides the server's (``/v1/responses`` words errors its way).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from . import batch, collections, deferred, media
from . import endpoints as e
from ._http import Response, StreamResponse
from .chat import chat_completions
from .conversation import measure
from .dialects import DIALECT_NAMES, Dialect, XaiResponsesDialect
from .exchange import Exchange
from .responses_api import responses
from .stored_responses import delete_response, get_response, input_items

__all__ = ["ROUTES", "Route", "find_route"]

RESPONSES = XaiResponsesDialect()  # /v1/responses words its errors differently
ALL, XAI, GROKINC, IMAGES = DIALECT_NAMES, ("xai",), ("grokinc",), ("xai", "grokinc")


@dataclass(frozen=True)
class Route:
    """How to serve one method on one path (see the module docstring for the options)."""

    method: str
    path: str
    handler: Callable[[Exchange], Response | StreamResponse]
    dialects: tuple[str, ...]
    public: bool = False
    metered: bool = False
    images: bool = False
    measure: Callable[[Any], tuple[int, int]] | None = None
    dialect: Dialect | None = None
    management: bool = False


ROUTES = (
    Route("POST", "/v1/chat/completions", chat_completions, ALL, metered=True, measure=measure),
    Route("POST", "/v1/responses", responses, XAI, metered=True, measure=measure, dialect=RESPONSES),
    Route("GET", "/v1/models", e.models, ALL),
    Route("GET", "/v1/models/{id}", e.model, ALL),
    Route("GET", "/v1/language-models", e.language_models, XAI),
    Route("GET", "/v1/language-models/{id}", e.language_model, XAI),
    Route("POST", "/v1/images/generations", e.images, IMAGES, metered=True, images=True),
    Route("POST", "/v1/tokenize-text", e.tokenize, XAI),
    Route("POST", "/v1/keys/generate", e.keys_generate, GROKINC, public=True),
    Route("GET", "/v1/keys/list", e.keys_list, GROKINC),
    Route("POST", "/v1/keys/delete", e.keys_delete, GROKINC),
    Route("POST", "/v1/chat/explain", e.explain, GROKINC, metered=True),
    Route("GET", "/files/{name}", e.files, IMAGES, public=True),
    Route("POST", "/v1/images/edits", e.image_edits, XAI, metered=True, images=True),
    Route("POST", "/v1/videos/generations", media.start_video, XAI, metered=True, images=True),
    Route("GET", "/v1/videos/{id}", media.video_status, XAI),
    Route("GET", "/videos/{name}", media.video_file, XAI, public=True),
    Route("GET", "/v1/files", media.files, XAI),
    Route("POST", "/v1/files", media.files, XAI),
    Route("GET", "/v1/files/{id}", media.file, XAI),
    Route("DELETE", "/v1/files/{id}", media.file, XAI),
    Route("GET", "/v1/batches", batch.handle, XAI),
    Route("POST", "/v1/batches", batch.handle, XAI),
    Route("GET", "/v1/batches/{id}", batch.handle, XAI),
    Route("POST", "/v1/batches/{id}:cancel", batch.handle, XAI),
    Route("POST", "/v1/batches/{id}/requests", batch.handle, XAI),
    Route("GET", "/v1/batches/{id}/results", batch.handle, XAI),
    Route("GET", "/v1/chat/deferred-completion/{id}", deferred.fetch, XAI),
    Route("GET", "/v1/responses/{id}", get_response, XAI, dialect=RESPONSES),
    Route("DELETE", "/v1/responses/{id}", delete_response, XAI, dialect=RESPONSES),
    Route("GET", "/v1/responses/{id}/input_items", input_items, XAI, dialect=RESPONSES),
    *(
        Route(method, path, collections.handle, XAI, management=True)
        for method, path in (
            ("GET", "/v1/collections"),
            ("POST", "/v1/collections"),
            ("GET", "/v1/collections/{id}"),
            ("PUT", "/v1/collections/{id}"),
            ("DELETE", "/v1/collections/{id}"),
            ("GET", "/v1/collections/{id}/documents"),
            ("POST", "/v1/collections/{id}/documents/{file_id}"),
            ("GET", "/v1/collections/{id}/documents/{file_id}"),
            ("PATCH", "/v1/collections/{id}/documents/{file_id}"),
            ("DELETE", "/v1/collections/{id}/documents/{file_id}"),
        )
    ),
    Route("POST", "/v1/documents/search", collections.documents_search, XAI),
)


@cache
def _routes(dialect: str) -> tuple[dict[str, list[Route]], list[tuple[re.Pattern[str], Route]]]:
    """The dialect's routes: those with a literal path by path (one look-up), then the templated."""
    literal: dict[str, list[Route]] = {}
    templated = []
    for route in (r for r in ROUTES if dialect in r.dialects):
        if "{" in route.path:
            templated.append((re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path)), route))
        else:
            literal.setdefault(route.path, []).append(route)
    return literal, templated


def find_route(dialect: str, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for ``path`` and the path's ``{name}`` values; None: no such path (a 404).

    The route returned serves ``method`` if any route for the path does; otherwise its
    ``method`` differs (a 405).
    """
    literal, templated = _routes(dialect)
    found: list[tuple[Route, dict[str, str]]] = [(route, {}) for route in literal.get(path, ())]
    if not found:
        found = [(r, m.groupdict()) for pattern, r in templated if (m := pattern.fullmatch(path))]
    return min(found, key=lambda pair: pair[0].method != method, default=None)
