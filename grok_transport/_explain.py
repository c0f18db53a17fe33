"""``client.explanations``: Grok Inc's ``POST /v1/chat/explain``, why the model answered as it did.

Grok Inc documents the request (``{"conversation", "last_response"}``), not the answer, so the
explanation is read from ``explanation`` or ``content``, else the whole JSON is returned as text
(docs/wire.md, "Grok Inc and grokapi.io").
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = ["AsyncExplanations", "Explanations"]


def _body(conversation: Sequence[Mapping[str, Any]], last_response: str) -> dict[str, Any]:
    return {"conversation": list(conversation), "last_response": last_response}


def _text(data: Any) -> str:
    return str(data.get("explanation") or data.get("content") or json.dumps(data))


class Explanations:
    """``client.explanations``: Grok Inc's explanation of a model's last answer."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def create(self, conversation: Sequence[Mapping[str, Any]], last_response: str) -> str:
        """Why the model gave ``last_response`` to ``conversation``."""
        return _text(self._client.request_json("POST", "/chat/explain", _body(conversation, last_response)))


class AsyncExplanations:
    """``async_client.explanations``: the async twin of :class:`Explanations`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    async def create(self, conversation: Sequence[Mapping[str, Any]], last_response: str) -> str:
        """Async twin of :meth:`Explanations.create`."""
        body = _body(conversation, last_response)
        return _text(await self._client.request_json("POST", "/chat/explain", body))
