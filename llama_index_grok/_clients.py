"""The HTTP side of one ``Grok``: the caller's own ``httpx`` clients, and the transport clients.

A ``GrokClient`` holds a connection pool and a lock, an ``AsyncGrokClient`` one pool per event
loop: none of them can be copied or pickled, and a copy should not share them anyway (its
settings may change on their own). LlamaIndex copies and pickles LLMs (``model_copy``,
multiprocessing in ingestion pipelines), so ``Grok`` keeps them in a :class:`ClientSlot` that a
copy or a pickle turns into an empty one: the copy builds its own clients on its first call.

An ``httpx`` client the caller handed in is theirs (proxies, TLS settings): a copy shares it, and
it cannot cross a process, so ``Grok`` refuses to be pickled while it holds one rather than
quietly dropping those settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from grok_transport import AsyncGrokClient, GrokClient

__all__ = ["ClientSlot"]


class ClientSlot:
    """The caller's ``httpx`` clients (kept by copies) and the transport clients built on first use."""

    __slots__ = ("async_client", "async_http_client", "client", "http_client")

    def __init__(
        self, http_client: httpx.Client | None = None, async_http_client: httpx.AsyncClient | None = None
    ) -> None:
        self.http_client = http_client
        self.async_http_client = async_http_client
        self.client: GrokClient | None = None
        self.async_client: AsyncGrokClient | None = None

    @property
    def has_own_http_client(self) -> bool:
        """Whether the caller handed in an ``httpx`` client (which cannot be pickled)."""
        return self.http_client is not None or self.async_http_client is not None

    def emptied(self) -> ClientSlot:
        """The same ``httpx`` clients, no transport client: for a copy, or new settings."""
        return ClientSlot(self.http_client, self.async_http_client)

    def __deepcopy__(self, memo: dict[int, Any]) -> ClientSlot:
        return self.emptied()

    def __reduce__(self) -> tuple[type[ClientSlot], tuple[()]]:
        """Pickled empty (``Grok`` refuses to be pickled while it holds the caller's clients)."""
        return ClientSlot, ()
