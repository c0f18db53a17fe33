"""``GET`` and ``DELETE /v1/responses/{id}``, and its input items: what ``/v1/responses`` stored.

What xAI documents is in docs/wire.md, "Stored responses".

``/v1/responses`` keeps every answer unless the request said ``store: false`` (see
:mod:`.responses_api`), for ``previous_response_id`` and for these routes. ``GET`` answers the
response object as the create call did; ``…/input_items`` pages the request's own input items
(``limit`` 1 to 100, default 20; ``order`` asc or desc; ``after`` an item id), each given an id;
``DELETE`` forgets it, so a later ``GET`` or ``previous_response_id`` naming it is a 404, as is
an id never stored.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from ._http import Response
from .exchange import Exchange, json_response

__all__ = ["delete_response", "get_response", "input_items"]

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


def input_items(x: Exchange) -> Response:
    """``GET /v1/responses/{id}/input_items``: the request's input, a page at a time."""
    response_id = x.params["id"]
    stored = x.state.responses.get(response_id)
    if stored is None:
        x.refuse(404, _MISSING.format(response_id))
    query = {key: values[-1] for key, values in parse_qs(x.request.query).items()}
    limit, order = query.get("limit", "20"), query.get("order", "asc")
    if not limit.isdigit() or not 1 <= int(limit) <= 100 or order not in ("asc", "desc"):
        x.refuse(400, "limit must be 1 to 100 and order 'asc' or 'desc'.")
    items: list[dict[str, Any]] = [
        {"id": f"in_{response_id}_{n}", **(item if isinstance(item, dict) else {"content": item})}
        for n, item in enumerate(stored.inputs)
    ]
    if order == "desc":
        items.reverse()
    ids = [item["id"] for item in items]
    start = ids.index(query["after"]) + 1 if query.get("after") in ids else 0
    page = items[start : start + int(limit)]
    return json_response(
        {
            "object": "list",
            "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": start + len(page) < len(items),
        }
    )
