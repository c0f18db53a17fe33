"""Stored responses: read back or delete what ``/responses`` kept (``store`` defaults to true).

xAI keeps a Responses-API answer (its input, reasoning and output) for 30 days unless the call
said ``store: false`` (docs/wire.md, "Stored responses"; documented, never recorded):

* ``GET /responses/{id}`` answers the same response object the create call returned, read here
  by the one Responses reader, so a stored answer is an :class:`~grok_transport.Answer` like a
  live one. The reference's example of this call shows chat-style usage keys
  (``prompt_tokens``) where the create call has ``input_tokens``; :class:`~grok_transport.Usage`
  reads both;
* ``DELETE /responses/{id}`` answers ``{"id", "object": "response", "deleted": true}``.

An unknown, expired, deleted or unstored id is a :class:`~grok_transport.NotFoundError` (404).
With ``previous_response_id`` (a plan setting both adapters pass through) these complete a
stateful conversation: continue it, look at it, end it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from grok_transport._answer import Answer
from grok_transport._errors import UnexpectedResponseError
from grok_transport._resources import path_id
from grok_transport._responses_reader import read_response

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = ["AsyncResponses", "Responses"]


def _path(response_id: str) -> str:
    return f"/responses/{path_id(response_id, 'a response id')}"


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
