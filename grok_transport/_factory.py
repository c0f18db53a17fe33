"""One way to build a client: every chat model, tool, tool spec and retriever goes through here.

A framework object (``ChatGrok``, ``Grok``, a tool, a tool spec, a retriever) holds its connection settings as
one :class:`ClientSettings` and its clients in a :class:`GrokClients`, which builds them on first
use. So a setting means the same thing wherever a client is built: the key is resolved the same
way (argument, then the provider's variable, then ``GROK_API_KEY``; see
:mod:`grok_transport._providers`), the defaults (:data:`~grok_transport._retry.DEFAULT_MAX_RETRIES`,
:data:`~grok_transport._client.DEFAULT_TIMEOUT`) are written once, and a value out of range is
the same :class:`~grok_transport.InvalidParameterError` everywhere.

Adding a setting is one field of :class:`ClientSettings` (and its use in
:meth:`ClientSettings.client_kwargs`); the adapters read the settings by these field names, and a
test over both adapters fails until each takes the new one.

Clients are shared: a ``GrokClient`` owns a connection pool, and building one per model instance
would make ``batch``, agents that create a model per step and serverless handlers pay a TLS
handshake each time, so objects with the same settings share one (the 64 most recently used are
kept). A client around the caller's own ``httpx`` client is never shared: it is theirs.

Live clients hold locks, sockets and per-event-loop pools, none of which can be copied or pickled
and none of which a copy needs: a copied or unpickled :class:`GrokClients` builds its clients again
on first use. The caller's own ``httpx`` client cannot cross a process, so pickling refuses it
(:meth:`GrokClients.check_picklable`) rather than quietly dropping those settings.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from grok_transport._budget_store import mask_url
from grok_transport._client import AsyncGrokClient, GrokClient
from grok_transport._errors import InvalidParameterError
from grok_transport._providers import AuthStyle, Connection, resolve_connection
from grok_transport._retry import DEFAULT_MAX_RETRIES

__all__ = ["CLIENT_SETTINGS", "ClientSettings", "GrokClients", "shown_setting"]


@dataclass(frozen=True)
class ClientSettings:
    """Where and how to reach Grok: every setting a client is built from, each with its default.

    ``api_key=None`` means "from the environment, when the first client is built". The two
    ``http_*`` clients are the caller's own (proxies, mTLS, ``httpx.MockTransport``).
    """

    provider: str | None = None
    api_key: SecretStr | None = None
    base_url: str | None = None
    auth_style: AuthStyle | None = None
    timeout: float | httpx.Timeout | None = None
    max_retries: int = DEFAULT_MAX_RETRIES
    default_headers: Mapping[str, str] | None = None
    rate_limit_rpm: int | None = None
    """Requests per minute this client allows itself per key; ``None``: the provider's documented
    limit (Grok Inc: 5), ``0``: none."""
    rate_limit_tpm: int | None = None
    """Tokens per minute this client allows itself per key and model (estimated before sending,
    corrected from usage); ``None``: no token limit."""
    rate_limit_store: str | None = None
    """Where the budget lives: ``redis://…`` shares it with every process using that Redis;
    ``None``: ``GROK_RATE_LIMIT_STORE``, else this process only (see :mod:`grok_transport._budget`)."""
    management_api_key: SecretStr | None = None
    """The management key for ``client.collections``; ``None``: ``XAI_MANAGEMENT_API_KEY`` when used."""
    management_base_url: str | None = None
    """The management host; ``None``: ``https://management-api.x.ai/v1``."""
    http_client: httpx.Client | None = None
    http_async_client: httpx.AsyncClient | None = None

    def __post_init__(self) -> None:
        for secret in ("api_key", "management_api_key"):
            if isinstance(getattr(self, secret), str):
                object.__setattr__(self, secret, SecretStr(getattr(self, secret)))
        if (
            isinstance(self.max_retries, bool)
            or not isinstance(self.max_retries, int)
            or self.max_retries < 0
        ):
            raise InvalidParameterError(f"max_retries must be a whole number >= 0, not {self.max_retries!r}.")
        if self.timeout is not None and not isinstance(self.timeout, httpx.Timeout) and not self.timeout > 0:
            raise InvalidParameterError(f"timeout must be > 0 seconds (or None), not {self.timeout!r}.")
        for limit in ("rate_limit_rpm", "rate_limit_tpm"):
            value = getattr(self, limit)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise InvalidParameterError(f"{limit} must be a whole number >= 0 (or None), not {value!r}.")

    @classmethod
    def of(cls, source: Any) -> ClientSettings:
        """The settings held by ``source``'s attributes of the same names (a model, a tool)."""
        return cls(**{name: getattr(source, name) for name in CLIENT_SETTINGS})

    def connection(self) -> Connection:
        """Provider, URL, key and auth style, resolved now; ``MissingAPIKeyError`` without a key."""
        return resolve_connection(
            provider=self.provider, base_url=self.base_url, api_key=self.api_key, auth_style=self.auth_style
        )

    def require_key(self) -> None:
        """``MissingAPIKeyError`` (worded by :func:`resolve_connection`) unless there is a key.

        A key given and not blank is taken as is (it is cleaned when the first client is built), so
        a chat model checks for one at construction without resolving everything twice.
        """
        if self.api_key is None or not self.api_key.get_secret_value().strip():
            self.connection()

    @property
    def has_own_http_client(self) -> bool:
        """Whether the caller handed in an ``httpx`` client (which cannot be pickled or shared)."""
        return self.http_client is not None or self.http_async_client is not None

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``GrokClient`` / ``AsyncGrokClient`` (without the http clients)."""
        kwargs: dict[str, Any] = {
            "connection": self.connection(),
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "default_headers": dict(self.default_headers or {}),
        }
        if self.rate_limit_rpm is not None:  # unset: the provider's documented limit, if any
            kwargs["rate_limit_rpm"] = self.rate_limit_rpm
        kwargs.update(
            rate_limit_tpm=self.rate_limit_tpm,
            rate_limit_store=self.rate_limit_store,
            management_api_key=self.management_api_key,
            management_base_url=self.management_base_url,
        )
        return kwargs

    def _share_key(self, connection: Connection) -> tuple[Any, ...]:
        """What makes two clients interchangeable (the key as a ``SecretStr``, never printed)."""
        timeout = self.timeout
        return (
            connection.provider.name,
            connection.base_url,
            connection.api_key,
            connection.auth_style,
            tuple(sorted(timeout.as_dict().items())) if isinstance(timeout, httpx.Timeout) else timeout,
            self.max_retries,
            tuple(sorted((self.default_headers or {}).items())),
            self.rate_limit_rpm,
            self.rate_limit_tpm,
            self.rate_limit_store,
            self.management_api_key,
            self.management_base_url,
        )


CLIENT_SETTINGS: tuple[str, ...] = tuple(f.name for f in fields(ClientSettings))
"""The settings' names: the fields every framework object that talks to the API takes."""


def shown_setting(name: str | None, value: Any) -> Any:
    """``value`` of setting ``name`` as a ``repr``, a log or a saved object may show it.

    The keys are ``SecretStr`` already; the one plain setting that can hold a secret is
    ``rate_limit_store``, whose password is masked (``redis://:***@cache:6379/0``). A value
    shown differently from itself holds a secret, which a saved object must not carry.
    """
    return mask_url(value) if name == "rate_limit_store" and isinstance(value, str) else value


_Client = TypeVar("_Client", GrokClient, AsyncGrokClient)
_SHARED_SIZE = 64
_shared: OrderedDict[tuple[Any, ...], GrokClient | AsyncGrokClient] = OrderedDict()
_shared_lock = threading.Lock()


def _build(settings: ClientSettings, kind: type[_Client], own: Any) -> _Client:
    """A private client around the caller's ``httpx`` client, else the shared one for the settings."""
    kwargs: dict[str, Any] = settings.client_kwargs()
    if own is not None:
        return kind(http_client=own, **kwargs)
    key = (kind, *settings._share_key(kwargs["connection"]))
    with _shared_lock:
        client = _shared.get(key)
        if client is None:
            client = _shared[key] = kind(**kwargs)
            if len(_shared) > _SHARED_SIZE:
                _shared.popitem(last=False)  # forgotten, not closed: an object may still hold it
        else:
            _shared.move_to_end(key)
    assert isinstance(client, kind)
    return client


class GrokClients:
    """A framework object's settings and the clients built from them on first use."""

    __slots__ = ("_async", "_sync", "settings")

    def __init__(self, settings: ClientSettings) -> None:
        self.settings = settings
        self._sync: GrokClient | None = None
        self._async: AsyncGrokClient | None = None

    @property
    def sync(self) -> GrokClient:
        """The synchronous client (built, and the key resolved, on first use)."""
        if self._sync is None:
            self._sync = _build(self.settings, GrokClient, self.settings.http_client)
        return self._sync

    @property
    def async_(self) -> AsyncGrokClient:
        """The asynchronous client (one pool per event loop), built on first use."""
        if self._async is None:
            self._async = _build(self.settings, AsyncGrokClient, self.settings.http_async_client)
        return self._async

    def built(self) -> tuple[GrokClient | None, AsyncGrokClient | None]:
        """The clients built so far (to close them), without building any."""
        return self._sync, self._async

    def check_picklable(self, owner: str) -> None:
        """Refuse to pickle ``owner`` while it holds the caller's own ``httpx`` client."""
        if self.settings.has_own_http_client:
            raise TypeError(
                f"a {owner} with its own http_client cannot be pickled: an httpx client holds sockets "
                "and locks and cannot cross a process. Leave http_client unset, or build it in the worker."
            )

    def __copy__(self) -> GrokClients:
        return GrokClients(self.settings)

    def __deepcopy__(self, memo: dict[int, Any]) -> GrokClients:
        """The same settings (the caller's ``httpx`` clients shared), no built client."""
        return GrokClients(self.settings)

    def __reduce__(self) -> tuple[Callable[..., GrokClients], tuple[ClientSettings]]:
        self.check_picklable(type(self).__name__)
        return GrokClients, (self.settings,)

    def __repr__(self) -> str:
        settings = self.settings
        return f"GrokClients(provider={settings.provider!r}, base_url={settings.base_url!r})"
