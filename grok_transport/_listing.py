"""Model listing: ``GET /v1/models`` and ``GET /v1/language-models``.

The two endpoints differ (docs/wire.md, "Model listing"): ``/models`` answers ``{"data": [...], "object":
"list"}``, ``/language-models`` answers ``{"models": [...]}`` with modalities and prices in USD
cents per 100 M tokens. Both become :class:`ModelCard`; the catalogue fills in what the server
does not say (context window for the minimal 2025 shape). ``client.models`` (:class:`Models`,
:class:`AsyncModels`) holds the two calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grok_transport._catalogue import lookup

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = ["AsyncModels", "ModelCard", "Models", "parse_model_list"]


@dataclass(frozen=True)
class ModelCard:
    """One model the server offers."""

    id: str
    aliases: tuple[str, ...] = ()
    context_window: int | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    owned_by: str | None = None
    created: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


def parse_model_list(data: dict[str, Any], provider: str | None = None) -> list[ModelCard]:
    """Read either listing shape."""
    items = data.get("data") if "data" in data else data.get("models", [])
    cards = []
    for item in items or ():
        model_id = item.get("id", "")
        context = item.get("context_length")
        if context is None:
            info = lookup(model_id, provider)
            context = info.context_window if info.known else None
        cards.append(
            ModelCard(
                id=model_id,
                aliases=tuple(item.get("aliases") or ()),
                context_window=context,
                input_modalities=tuple(item.get("input_modalities") or ()),
                output_modalities=tuple(item.get("output_modalities") or ()),
                owned_by=item.get("owned_by"),
                created=item.get("created"),
                raw=item,
            )
        )
    return cards


class Models:
    """``client.models``: what the server offers."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def list_language_models(self) -> list[ModelCard]:
        """``GET /language-models`` (xAI): modalities and prices too."""
        return parse_model_list(self._client.request_json("GET", "/language-models"), self._client.provider)

    def list(self) -> list[ModelCard]:
        """``GET /models``."""
        return parse_model_list(self._client.request_json("GET", "/models"), self._client.provider)


class AsyncModels:
    """``async_client.models``: the async twin of :class:`Models`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    async def list_language_models(self) -> list[ModelCard]:
        """Async twin of :meth:`Models.list_language_models`."""
        data = await self._client.request_json("GET", "/language-models")
        return parse_model_list(data, self._client.provider)

    async def list(self) -> list[ModelCard]:
        """Async twin of :meth:`Models.list`."""
        return parse_model_list(await self._client.request_json("GET", "/models"), self._client.provider)
