"""``GET`` and ``DELETE /v1/responses/{id}``: what ``/v1/responses`` stored.

What xAI documents is in docs/wire.md, "Stored responses".

``/v1/responses`` keeps every answer unless the request said ``store: false`` (see
:mod:`.responses_api`), for ``previous_response_id`` and for these two routes. ``GET`` answers
the response object as the create call did; ``DELETE`` forgets it, so a later ``GET`` or
``previous_response_id`` naming it is a 404, as is an id never stored.
"""

from __future__ import annotations

from ._http import Response
from .exchange import Exchange, json_response

__all__ = ["delete_response", "get_response"]

_MISSING = "Response with id '{}' not found."


def get_response(x: Exchange) -> Response:
    """``GET /v1/responses/{id}``: the stored response object."""
    response_id = x.params["id"]
    stored = x.state.responses.get(response_id)
    if stored is None or stored.render is None:
        x.refuse(404, _MISSING.format(response_id))
    return json_response(stored.render())


def delete_response(x: Exchange) -> Response:
    """``DELETE /v1/responses/{id}``: forget it; ``{"id", "object": "response", "deleted": true}``."""
    response_id = x.params["id"]
    with x.state.lock:
        stored = x.state.responses.pop(response_id, None)
    if stored is None:
        x.refuse(404, _MISSING.format(response_id))
    return json_response({"id": response_id, "object": "response", "deleted": True})
