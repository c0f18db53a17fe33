"""Connection settings shared by ``ChatGrok`` and the tools, and the clients built from them.

A ``GrokClient`` owns a connection pool. Building one per model instance would make ``batch``,
agents that create a model per step, and serverless handlers pay a TLS handshake per instance;
building one eagerly would make every construction pay for a client that may never be used (the
reason ``ChatXAI()`` costs ~150 ms). So clients are built on first use and cached by
configuration. The cache key holds the key as a ``SecretStr``: equal keys share a pool, and a
printed key (a log line, a debugger) shows ``'**********'``.

A user-supplied ``httpx`` client is never shared: it is the user's, with its own settings.

Live clients hold locks, sockets and per-event-loop pools, none of which can be copied or
pickled, and none of which a copy needs: copies (``copy``, ``deepcopy``, ``model_copy``) and
pickles (LangChain's caches, multiprocessing, joblib, Ray) leave them behind, and the copy gets
a client again on first use: the shared one for its own, possibly updated, configuration. The
key travels with a pickled object, since a worker must be able to call the API, but only as a
``SecretStr``: never in ``repr``, ``str`` or ``dumpd``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PrivateAttr, SecretStr

from grok_transport import (
    AsyncGrokClient,
    AuthStyle,
    Connection,
    GrokClient,
    MissingAPIKeyError,
    resolve_connection,
)
from langchain_grok._errors import as_langchain_error

__all__ = ["ClientConfig", "GrokConnectionMixin", "sync_client", "async_client"]


@dataclass(frozen=True)
class ClientConfig:
    """Everything that makes two transport clients interchangeable (hashable: a cache key)."""

    provider: str
    base_url: str
    api_key: SecretStr
    auth_style: AuthStyle | None
    timeout: float | tuple[tuple[str, float | None], ...] | None
    max_retries: int
    headers: tuple[tuple[str, str], ...]
    rate_limit_rpm: int | None
    rate_limit_tpm: int | None = None
    rate_limit_store: str | None = None

    def connection(self) -> Connection:
        """The resolved connection (provider, URL, key, auth style)."""
        return resolve_connection(
            provider=self.provider,
            base_url=self.base_url,
            api_key=self.api_key,
            auth_style=self.auth_style,
        )

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``GrokClient`` / ``AsyncGrokClient``."""
        timeout = self.timeout
        kwargs: dict[str, Any] = {
            "connection": self.connection(),
            "timeout": httpx.Timeout(**dict(timeout)) if isinstance(timeout, tuple) else timeout,
            "max_retries": self.max_retries,
            "default_headers": dict(self.headers),
        }
        if self.rate_limit_rpm is not None:  # unset: the provider's documented limit, if any
            kwargs["rate_limit_rpm"] = self.rate_limit_rpm
        kwargs["rate_limit_tpm"] = self.rate_limit_tpm
        kwargs["rate_limit_store"] = self.rate_limit_store
        return kwargs


_Client = TypeVar("_Client", GrokClient, AsyncGrokClient)
_SHARED_SIZE = 64
_shared_sync: OrderedDict[ClientConfig, GrokClient] = OrderedDict()
_shared_async: OrderedDict[ClientConfig, AsyncGrokClient] = OrderedDict()
_shared_lock = threading.Lock()


def _shared(
    cache: OrderedDict[ClientConfig, _Client], config: ClientConfig, factory: Callable[..., _Client]
) -> _Client:
    """The cached client for ``config`` (least recently used ones are forgotten past 64)."""
    with _shared_lock:
        client = cache.get(config)
        if client is None:
            client = cache[config] = factory(**config.client_kwargs())
            if len(cache) > _SHARED_SIZE:
                cache.popitem(last=False)  # forgotten, not closed: a model may still hold it
        else:
            cache.move_to_end(config)
        return client


def sync_client(config: ClientConfig, http_client: httpx.Client | None = None) -> GrokClient:
    """The shared client for ``config``, or a private one around the user's ``http_client``."""
    if http_client is not None:
        return GrokClient(http_client=http_client, **config.client_kwargs())
    return _shared(_shared_sync, config, GrokClient)


def async_client(config: ClientConfig, http_client: httpx.AsyncClient | None = None) -> AsyncGrokClient:
    """Async twin of :func:`sync_client`."""
    if http_client is not None:
        return AsyncGrokClient(http_client=http_client, **config.client_kwargs())
    return _shared(_shared_async, config, AsyncGrokClient)


class GrokConnectionMixin(BaseModel):
    """Where and how to reach Grok: fields, their resolution, and lazily built clients.

    Subclasses call :meth:`_resolve_connection_fields` from a model validator, and
    :meth:`_require_api_key` at the end of ``__init__`` if a missing key must fail there; else it
    is looked up again, and required, when the first client is built.
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
    max_retries: int = 2
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

    _client: GrokClient | None = PrivateAttr(default=None)
    _async_client: AsyncGrokClient | None = PrivateAttr(default=None)

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
        """Raise ``MissingAPIKeyError`` when no key was found, or the one given is empty.

        Called from ``__init__`` rather than a validator so the error reaches the caller as
        itself: pydantic wraps ``ValueError``s raised inside validators.
        """
        if self.api_key is None:
            try:
                resolve_connection(provider=self.provider, base_url=self.base_url)
            except MissingAPIKeyError as error:  # its message names the variables tried
                raise as_langchain_error(error) from None
        elif not self.api_key.get_secret_value().strip():
            raise as_langchain_error(
                MissingAPIKeyError(
                    "api_key is empty: pass the key, or leave api_key unset to read it from the environment."
                )
            )

    def _connection_settings(self) -> dict[str, Any]:
        """Every connection field by name: what another object needs to reach the same server."""
        return {name: getattr(self, name) for name in GrokConnectionMixin.model_fields}

    def _client_config(self) -> ClientConfig:
        if self.api_key is None:  # not found at construction: it may have been set since
            self._resolve_connection_fields()
            self._require_api_key()
        timeout = self.timeout
        assert self.api_key is not None and self.provider is not None and self.base_url is not None
        return ClientConfig(
            self.provider,
            self.base_url,
            self.api_key,
            self.auth_style,
            tuple(sorted(timeout.as_dict().items())) if isinstance(timeout, httpx.Timeout) else timeout,
            self.max_retries,
            tuple(sorted((self.default_headers or {}).items())),
            self.rate_limit_rpm,
            self.rate_limit_tpm,
            self.rate_limit_store,
        )

    @property
    def client(self) -> GrokClient:
        """The transport client (built on first use, shared with identically configured objects)."""
        if self._client is None:
            self._client = sync_client(self._client_config(), self.http_client)
        return self._client

    @property
    def async_client(self) -> AsyncGrokClient:
        """The async transport client (built on first use, shared like :attr:`client`)."""
        if self._async_client is None:
            self._async_client = async_client(self._client_config(), self.http_async_client)
        return self._async_client

    # -- copies: without the live clients ------------------------------------------------------

    def __getstate__(self) -> dict[Any, Any]:
        """Pickle the settings (key included, as a ``SecretStr``), never the built clients."""
        if self.http_client is not None or self.http_async_client is not None:
            raise TypeError(
                f"a {type(self).__name__} with its own http_client cannot be pickled: an httpx client "
                "holds sockets and locks. Leave http_client unset, or build the object in the worker."
            )
        state = super().__getstate__()
        state["__pydantic_private__"] = {
            **(state.get("__pydantic_private__") or {}),
            "_client": None,
            "_async_client": None,
        }
        return state

    def __copy__(self) -> Any:
        """A copy that gets its clients again on first use.

        ``model_copy(update=…)`` may have changed the settings they were built from (a timeout,
        the retries, the key).
        """
        copied = super().__copy__()
        copied._client = copied._async_client = None
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        """A copy that gets its clients again on first use, and shares the user's ``httpx`` ones."""
        memo = {} if memo is None else memo
        for built in (self._client, self._async_client):
            if built is not None:
                memo[id(built)] = None
        for own in (self.http_client, self.http_async_client):
            if own is not None:
                memo[id(own)] = own
        return super().__deepcopy__(memo)
