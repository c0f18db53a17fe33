"""Stored responses: read back or delete what ``/responses`` kept (``store`` defaults to true).

xAI keeps a Responses-API answer (its input, reasoning and output) for 30 days unless the call
said ``store: false`` (docs/wire.md, "Stored responses"; documented, never recorded):

* ``GET /responses/{id}`` answers the same response object the create call returned, read here
  by the one Responses reader, so a stored answer is an :class:`~grok_transport.Answer` like a
  live one. The reference's example of this call shows chat-style usage keys
  (``prompt_tokens``) where the create call has ``input_tokens``; :class:`~grok_transport.Usage`
  reads both;
* ``DELETE /responses/{id}`` answers ``{"id", "object": "response", "deleted": true}``;
* ``GET /responses/{id}/input_items?limit=&order=&after=`` pages the request's own input items
  as ``{"data", "first_id", "last_id", "has_more"}``: a cursor (the last item's id), not the
  ``pagination_token`` of xAI's other lists, so it is followed here rather than by
  :mod:`grok_transport._paging`.

An unknown, expired, deleted or unstored id is a :class:`~grok_transport.NotFoundError` (404).
With ``previous_response_id`` (a plan setting both adapters pass through) these complete a
stateful conversation: continue it, look at it, end it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from grok_transport._answer import Answer
from grok_transport._errors import InvalidParameterError, UnexpectedResponseError
from grok_transport._resources import path_id
from grok_transport._responses_reader import read_response

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = ["AsyncResponses", "Responses"]


def _path(response_id: str) -> str:
    return f"/responses/{path_id(response_id, 'a response id')}"


PAGE_SIZE = 100
"""Input items per page: the documented maximum (the server's default is 20)."""
Order = Literal["asc", "desc"]


def _items_path(response_id: str, order: Order, limit: int, after: str | None) -> str:
    if order not in ("asc", "desc") or not 1 <= limit <= 100:
        raise InvalidParameterError("input items take order 'asc' or 'desc' and a limit from 1 to 100.")
    query: dict[str, Any] = {"limit": limit, "order": order, **({"after": after} if after else {})}
    return f"{_path(response_id)}/input_items?{urlencode(query)}"


def _page(data: Any, after: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page's items and the cursor for the next one (``None``: the last page, or no progress)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("data"), list):
        raise UnexpectedResponseError(f"expected a list of input items, got {data!r:.200}")
    items = list(data["data"])
    last = data.get("last_id") or (items[-1].get("id") if items and isinstance(items[-1], Mapping) else None)
    following = last if data.get("has_more") and items else None
    return items, None if following == after else following


def _deleted(data: Any) -> bool:
    if not isinstance(data, Mapping) or not isinstance(data.get("deleted"), bool):
        raise UnexpectedResponseError(f"expected {{'deleted': true|false}} from a delete, got {data!r:.200}")
    return bool(data["deleted"])


class Responses:
    """``client.responses``: stored Responses-API answers (sync)."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def get(self, response_id: str) -> Answer:
        """``GET /responses/{id}``: the stored answer, read as a live one is."""
        return read_response(self._client.request_json("GET", _path(response_id)))

    def delete(self, response_id: str) -> bool:
        """``DELETE /responses/{id}``: whether xAI deleted it (a 404 raises ``NotFoundError``)."""
        return _deleted(self._client.request_json("DELETE", _path(response_id)))

    def input_items(
        self, response_id: str, *, order: Order = "asc", limit: int = PAGE_SIZE
    ) -> Iterator[dict[str, Any]]:
        """``GET /responses/{id}/input_items``: the input the response was made from, item by item.

        Pages are fetched as iteration goes; ``limit`` is the page size.
        """
        after: str | None = None
        while True:
            data = self._client.request_json("GET", _items_path(response_id, order, limit, after))
            items, after = _page(data, after)
            yield from items
            if after is None:
                return


class AsyncResponses:
    """``async_client.responses``: the async twin of :class:`Responses`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    async def get(self, response_id: str) -> Answer:
        """Async twin of :meth:`Responses.get`."""
        return read_response(await self._client.request_json("GET", _path(response_id)))

    async def delete(self, response_id: str) -> bool:
        """Async twin of :meth:`Responses.delete`."""
        return _deleted(await self._client.request_json("DELETE", _path(response_id)))

    async def input_items(
        self, response_id: str, *, order: Order = "asc", limit: int = PAGE_SIZE
    ) -> AsyncIterator[dict[str, Any]]:
        """Async twin of :meth:`Responses.input_items`."""
        after: str | None = None
        while True:
            data = await self._client.request_json("GET", _items_path(response_id, order, limit, after))
            items, after = _page(data, after)
            for item in items:
                yield item
            if after is None:
                return
