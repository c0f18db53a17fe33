"""Connection settings shared by ``ChatGrok``, the tools and the retriever, and their clients.

The settings are ``grok_transport.ClientSettings``' fields, one pydantic field each (with the
aliases LangChain users know); the clients come from ``grok_transport.GrokClients``, the one
factory every chat model, tool, tool spec and retriever uses: built on first use, shared by objects with the
same settings, left behind by copies and pickles (see ``grok_transport/_factory.py`` for why).
The key travels with a pickled object, since a worker must be able to call the API, but only as a
``SecretStr``: never in ``repr``, ``str`` or ``dumpd``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PrivateAttr, SecretStr

from grok_transport import (
    DEFAULT_MAX_RETRIES,
    RATE_LIMIT_STORE_ENV,
    AsyncGrokClient,
    AuthStyle,
    ClientSettings,
    GrokClient,
    GrokClients,
    GrokError,
    MissingAPIKeyError,
    resolve_connection,
    shown_setting,
)
from langchain_grok._errors import as_langchain_error

__all__ = ["GrokConnectionMixin"]


class GrokConnectionMixin(BaseModel):
    """Where and how to reach Grok: fields, their resolution, and lazily built clients.

    Subclasses call :meth:`_resolve_connection_fields` from a model validator, and
    :meth:`_require_api_key` at the end of ``__init__`` if a missing key must fail there (a chat
    model); else it is looked up again, and required, when the first client is built (a tool:
    when it first runs).
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("api_key", "xai_api_key"))
    """API key. Defaults to the provider's variable (``XAI_API_KEY``, ``GROKINC_API_KEY``,
    ``GROKAPI_API_KEY``), then ``GROK_API_KEY``. A missing key raises ``MissingAPIKeyError``."""
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "xai_api_base", "api_base")
    )
    """Base URL (``…/v1``). Defaults to ``GROK_BASE_URL``, then the provider's URL."""
    provider: str | None = None
    """``xai`` (default), ``grokinc``, ``grokapi`` or ``custom``; inferred from ``base_url``."""
    auth_style: AuthStyle | None = None
    """How the key is sent: ``bearer`` or ``x-api-key``. Defaults to the provider's style."""
    timeout: float | httpx.Timeout | None = Field(
        default=None, validation_alias=AliasChoices("timeout", "request_timeout")
    )
    """Seconds per request (or an ``httpx.Timeout``). Default: 600 s read, 10 s connect."""
    max_retries: int = DEFAULT_MAX_RETRIES
    """Retries on 408/429/5xx, connection errors and timeouts, with backoff and ``Retry-After``."""
    default_headers: dict[str, str] | None = None
    """Extra headers sent with every request."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """Your own ``httpx.Client`` (proxies, mTLS, ``MockTransport``). Not shared, not closed."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """Your own ``httpx.AsyncClient``."""
    rate_limit_rpm: int | None = None
    """Client-side limit on requests per minute, shared by every object using the same key and
    URL; a request beyond it waits for a free slot. Unset: the provider's documented limit
    (Grok Inc: 5 per minute; none for the others). ``0``: no limit."""
    rate_limit_tpm: int | None = None
    """Client-side limit on tokens per minute per key and model (estimated before sending,
    corrected from usage). Unset: none."""
    rate_limit_store: str | None = None
    """Where the budget lives: ``redis://…`` shares it with every process using that Redis;
    unset: ``GROK_RATE_LIMIT_STORE``, else this process only."""
    management_api_key: SecretStr | None = None
    """The management key, for ``client.collections`` (and a retriever's ``add_documents``).
    Default: ``XAI_MANAGEMENT_API_KEY``, looked up when first used."""
    management_base_url: str | None = None
    """The Collections management host. Default: ``https://management-api.x.ai/v1``."""

    _clients: GrokClients | None = PrivateAttr(default=None)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """The fields as ``repr`` and ``str`` show them: a password in ``rate_limit_store`` masked."""
        for name, value in super().__repr_args__():
            yield name, shown_setting(name, value)

    def _store_secrets(self) -> dict[str, str]:
        """``lc_secrets`` for the store URL when it carries a password.

        Serialized as a reference to ``GROK_RATE_LIMIT_STORE``, the variable a deployment sets
        anyway, as the API key is to its own; ``load`` reads it back from the environment.
        """
        store = self.rate_limit_store
        secret = store is not None and shown_setting("rate_limit_store", store) != store
        return {"rate_limit_store": RATE_LIMIT_STORE_ENV} if secret else {}

    def _resolve_connection_fields(self) -> None:
        """Fill provider, base URL and key from arguments, the environment and defaults.

        A key given as ``""`` is kept as given (and refused by :meth:`_require_api_key`), not
        replaced by one from the environment: an empty ``api_key=os.environ.get(...)`` is a
        mistake to report, not to paper over with another account's key.
        """
        connection = resolve_connection(
            provider=self.provider,
            base_url=self.base_url,
            api_key=self.api_key,
            auth_style=self.auth_style,
            require_key=False,
        )
        self.provider = connection.provider.name
        self.base_url = connection.base_url
        if self.api_key is None and connection.api_key.get_secret_value():
            self.api_key = connection.api_key

    def _require_api_key(self) -> None:
        """Raise ``MissingAPIKeyError`` when no key was found, or the one given is blank.

        Called from ``__init__`` rather than a validator so the error reaches the caller as
        itself: pydantic wraps ``ValueError``s raised inside validators. The rule is the
        transport's (``resolve_connection``), so it words the error the same way everywhere.
        """
        try:
            self._settings().require_key()  # the settings' values are checked on the way
        except MissingAPIKeyError as error:  # its message names the variables tried
            raise as_langchain_error(error) from None

    def _settings(self) -> ClientSettings:
        return ClientSettings.of(self)

    def _connection_settings(self) -> dict[str, Any]:
        """Every connection field by name: what another object needs to reach the same server."""
        return {name: getattr(self, name) for name in GrokConnectionMixin.model_fields}

    def _grok_clients(self) -> GrokClients:
        if self._clients is None:
            if self.api_key is None:  # not found at construction: it may have been set since
                self._resolve_connection_fields()
            self._clients = GrokClients(self._settings())
        return self._clients

    # On every call's path: a ``try`` costs nothing until the first build fails (a missing key).

    @property
    def client(self) -> GrokClient:
        """The transport client (built on first use, shared with identically configured objects)."""
        try:
            return self._grok_clients().sync
        except GrokError as error:
            raise as_langchain_error(error) from None

    @property
    def async_client(self) -> AsyncGrokClient:
        """The async transport client (built on first use, shared like :attr:`client`)."""
        try:
            return self._grok_clients().async_
        except GrokError as error:
            raise as_langchain_error(error) from None

    # -- copies: without the live clients ------------------------------------------------------

    def __getstate__(self) -> dict[Any, Any]:
        """Pickle the settings (key included, as a ``SecretStr``), never the built clients."""
        GrokClients(self._settings()).check_picklable(type(self).__name__)
        state = super().__getstate__()
        state["__pydantic_private__"] = {**(state.get("__pydantic_private__") or {}), "_clients": None}
        return state

    def __copy__(self) -> Any:
        """A copy that gets its clients again on first use.

        ``model_copy(update=…)`` may have changed the settings they were built from (a timeout,
        the retries, the key).
        """
        copied = super().__copy__()
        copied._clients = None
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        """A copy that gets its clients again on first use, and shares the user's ``httpx`` ones."""
        memo = {} if memo is None else memo
        if self._clients is not None:
            memo[id(self._clients)] = None
        for own in (self.http_client, self.http_async_client):
            if own is not None:
                memo[id(own)] = own
        return super().__deepcopy__(memo)
