"""Where a LlamaIndex object reaches Grok: its connection settings and the clients built from them.

The tool specs and the Collections retriever take the settings as keyword arguments
(:class:`ConnectionOptions`, ``grok_transport.ClientSettings``' fields) and get their clients from
``grok_transport.GrokClients``, the factory ``Grok`` uses too: built on first use (so a missing
key is reported when the object first talks to the API), shared with identically configured
objects, rebuilt after a copy or a pickle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypedDict

from grok_transport import CLIENT_SETTINGS, AsyncGrokClient, ClientSettings, GrokClient, GrokClients

if TYPE_CHECKING:
    import httpx
    from pydantic import SecretStr

__all__ = ["ConnectionOptions", "GrokConnected"]


class ConnectionOptions(TypedDict, total=False):
    """Where and how a spec or retriever reaches Grok: ``grok_transport.ClientSettings``' fields.

    A test holds these names equal to the settings' (the key is the specs' first argument).
    """

    base_url: str | None
    provider: str | None
    auth_style: Literal["bearer", "x-api-key"] | None
    timeout: float | None
    max_retries: int
    default_headers: dict[str, str] | None
    rate_limit_rpm: int | None
    http_client: httpx.Client | None
    http_async_client: httpx.AsyncClient | None
    rate_limit_tpm: int | None
    rate_limit_store: str | None
    management_api_key: str | SecretStr | None
    management_base_url: str | None


class GrokConnected:
    """An object holding one connection's clients, built on first use (``Grok``, the specs, the retriever)."""

    _clients: GrokClients

    def _connect(self, api_key: str | SecretStr | None, connection: ConnectionOptions) -> None:
        """Keep the settings (checked now); the clients come on first use."""
        unknown = sorted(set(connection) - set(CLIENT_SETTINGS))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword arguments: {', '.join(unknown)}")
        self._clients = GrokClients(ClientSettings(api_key=api_key, **connection))  # type: ignore[arg-type]

    @property
    def client(self) -> GrokClient:
        """The transport client, shared by equal settings (``client.media.download(url)`` keeps bytes)."""
        return self._clients.sync

    @property
    def async_client(self) -> AsyncGrokClient:
        """The async transport client (one pooled connection set per event loop)."""
        return self._clients.async_
