"""Who serves Grok, how to authenticate with each, and how a user's settings resolve.

Three providers are built in (docs/wire.md, "Grok Inc and grokapi.io"); any other
OpenAI-compatible Grok proxy works as ``provider="custom"`` with a ``base_url`` and an ``auth_style``.

Resolution order, most specific first, so that an explicit argument always wins:

* key: ``api_key=`` → the provider's variable (``XAI_API_KEY``, ``GROKINC_API_KEY``,
  ``GROKAPI_API_KEY``) → ``GROK_API_KEY``;
* base URL: ``base_url=`` → the provider's own variable (``XAI_API_BASE``, as langchain-xai
  reads it) → ``GROK_BASE_URL`` → the provider's default;
* provider: ``provider=`` → inferred from the base URL's host → ``xai``.

A missing key raises :class:`~grok_transport._errors.MissingAPIKeyError` naming every variable
that was tried, before any request is made.

Keys are cleaned where they enter: surrounding whitespace is stripped (a key read from a file
ends with a newline), a key that is empty once stripped counts as missing, and a key with
whitespace, control or non-ASCII characters inside raises
:class:`~grok_transport._errors.InvalidAPIKeyError`, whose message says where the key came from
and never shows it. Such a key cannot travel in an HTTP header; unchecked, httpx would refuse
it with a message quoting the whole header, key included.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import SecretStr

from grok_transport._errors import InvalidAPIKeyError, InvalidParameterError, MissingAPIKeyError

__all__ = [
    "AuthStyle",
    "Provider",
    "PROVIDERS",
    "Connection",
    "custom_provider",
    "provider_named",
    "resolve_connection",
    "fold_system_messages",
]

AuthStyle = Literal["bearer", "x-api-key"]


@dataclass(frozen=True)
class Provider:
    """A Grok-compatible service: where it lives and what it tolerates."""

    name: str
    base_url: str
    auth_style: AuthStyle
    key_env: tuple[str, ...]
    user_assistant_only: bool = False
    """Grok Inc accepts only ``user`` and ``assistant`` roles (docs/wire.md, "Grok Inc and grokapi.io")."""
    requests_per_minute: int | None = None
    """A documented per-key limit the client keeps by itself (Grok Inc: 5)."""
    stream_usage: bool = True
    """Whether ``stream_options.include_usage`` is sent by default."""
    url_env: tuple[str, ...] = ()
    """Variables that override the base URL for this provider only."""

    # What the service offers beyond chat completions, so code asks the provider, never its name.
    responses_api: bool = True
    """``/v1/responses``: server-side tools, citations, stored responses (xAI)."""
    files_api: bool = True
    """``/v1/files`` and document search on attached files (xAI)."""
    batches: bool = True
    """The Batch API, ``/v1/batches`` (xAI)."""
    tokenizer: bool = True
    """``/v1/tokenize-text``, the model's own token counts (xAI)."""
    media: bool = True
    """Image edits and video generation (xAI)."""
    deferred: bool = True
    """Deferred chat completions, ``"deferred": true`` and ``/v1/chat/deferred-completion`` (xAI)."""
    key_management: bool = False
    """``/v1/keys/...`` and ``/v1/chat/explain`` (Grok Inc)."""


_CHAT_ONLY: dict[str, Any] = {
    "responses_api": False,
    "files_api": False,
    "batches": False,
    "tokenizer": False,
    "media": False,
    "deferred": False,
}
"""Grok Inc and grokapi.io serve chat completions and little else (docs/wire.md, "Grok Inc and
grokapi.io")."""

PROVIDERS: dict[str, Provider] = {
    "xai": Provider("xai", "https://api.x.ai/v1", "bearer", ("XAI_API_KEY",), url_env=("XAI_API_BASE",)),
    "grokinc": Provider(
        "grokinc",
        "https://api.grokinc.org/v1",
        "x-api-key",
        ("GROKINC_API_KEY",),
        user_assistant_only=True,
        requests_per_minute=5,
        **_CHAT_ONLY,
        key_management=True,
    ),
    "grokapi": Provider("grokapi", "https://api.grokapi.io/v1", "bearer", ("GROKAPI_API_KEY",), **_CHAT_ONLY),
}


def custom_provider(base_url: str = "", auth_style: AuthStyle = "bearer") -> Provider:
    """Any other OpenAI-compatible Grok proxy: assumed to speak as xAI does, features included."""
    return Provider("custom", base_url, auth_style, ())


def provider_named(name: str | None) -> Provider:
    """The provider called ``name`` (a custom proxy for an unknown or missing name)."""
    return PROVIDERS.get(name or "") or custom_provider()


_HOSTS = {"api.x.ai": "xai", "api.grokinc.org": "grokinc", "api.grokapi.io": "grokapi"}
_GENERIC_KEY_ENV = "GROK_API_KEY"
_GENERIC_URL_ENV = "GROK_BASE_URL"


@dataclass(frozen=True)
class Connection:
    """Everything needed to reach one service with one key. The key stays a ``SecretStr``."""

    provider: Provider
    base_url: str
    api_key: SecretStr
    auth_style: AuthStyle

    def __post_init__(self) -> None:
        key = self.api_key.get_secret_value()
        clean = clean_api_key(key, "api_key")
        if clean != key:
            object.__setattr__(self, "api_key", SecretStr(clean))

    @property
    def live(self) -> bool:
        """Whether the base URL is a provider's own host (``api.x.ai``…), so calls are real and billed.

        A local server, a proxy or any other URL is not: whatever says "real API" asks this.
        """
        return (urlsplit(self.base_url).hostname or "") in _HOSTS

    def auth_headers(self) -> dict[str, str]:
        """The header that carries the key, in this connection's style."""
        key = self.api_key.get_secret_value()
        if self.auth_style == "x-api-key":
            return {"X-API-Key": key}
        return {"Authorization": f"Bearer {key}"}

    def __repr__(self) -> str:
        return (
            f"Connection(provider={self.provider.name!r}, base_url={self.base_url!r}, "
            f"auth_style={self.auth_style!r})"
        )


def _sendable(char: str) -> bool:
    return char != " " and char.isascii() and char.isprintable()


def clean_api_key(key: str, source: str) -> str:
    """``key`` without surrounding whitespace; refused if anything inside cannot be sent.

    ``source`` names where the key came from (``api_key`` or a variable) for the message.
    """
    key = key.strip()
    if key.isascii() and key.isprintable() and " " not in key:  # every character sendable, at C speed
        return key
    position, bad = next((i, c) for i, c in enumerate(key) if not _sendable(c))
    if bad.isspace():
        what = "whitespace"
    elif bad.isascii():
        what = "a control character"
    else:
        what = "a non-ASCII character"
    raise InvalidAPIKeyError(
        f"The API key from {source} contains {what} at position {position} of {len(key)}; "
        "an HTTP header cannot carry it. Check for a pasted line break or quote."
    )


def resolve_connection(
    *,
    provider: str | None = None,
    base_url: str | None = None,
    api_key: str | SecretStr | None = None,
    auth_style: AuthStyle | None = None,
    environ: Mapping[str, str] | None = None,
    require_key: bool = True,
) -> Connection:
    """Resolve a provider, base URL, key and auth style from arguments and the environment.

    ``require_key=False`` allows a key-less connection, for the one public endpoint
    (Grok Inc's key generation); authenticated calls on it raise ``MissingAPIKeyError``.
    """
    env = os.environ if environ is None else environ
    url = base_url or env.get(_GENERIC_URL_ENV) or None
    name = (
        provider
        or (_HOSTS.get(urlsplit(url).hostname or "") if url else None)
        or ("custom" if url else "xai")
    )
    if name == "custom":
        chosen = custom_provider(url or "", auth_style or "bearer")
    elif name in PROVIDERS:
        chosen = PROVIDERS[name]
    else:
        raise InvalidParameterError(
            f"Unknown provider {name!r}; use one of {sorted(PROVIDERS)} or 'custom' with base_url."
        )
    if not base_url:  # a provider's own variable is more specific than the generic one
        url = next((env[var] for var in chosen.url_env if env.get(var)), url)
    if not (url or chosen.base_url):
        raise InvalidParameterError("provider='custom' needs a base_url.")

    tried = (*chosen.key_env, _GENERIC_KEY_ENV)
    if isinstance(api_key, SecretStr):
        api_key = api_key.get_secret_value()
    if api_key is not None:  # explicit, so it wins even when blank: "" is not "look elsewhere"
        key = clean_api_key(api_key, "api_key")
    else:
        key = next((k for var in tried if (k := clean_api_key(env.get(var) or "", var))), "")
    if not key and require_key:
        where = (
            "api_key is empty (api_key= is blank): pass the key, or leave api_key unset to read it from "
            "the environment"
            if api_key is not None
            else "pass api_key= or set " + " or ".join(tried)
        )
        raise MissingAPIKeyError(f"No API key for provider {chosen.name!r}: {where}.")
    style: AuthStyle = auth_style or chosen.auth_style
    if style not in ("bearer", "x-api-key"):
        raise InvalidParameterError(f"auth_style must be 'bearer' or 'x-api-key', not {style!r}.")
    return Connection(chosen, (url or chosen.base_url).rstrip("/"), SecretStr(key), style)


def fold_system_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rewrite a conversation for a service that accepts only ``user`` and ``assistant``.

    The rule, applied in order:

    1. Every ``system`` and ``developer`` message is removed; their texts, joined by a blank
       line, are prepended (followed by a blank line) to the first ``user`` message. With no
       user message, they become the first user message.
    2. A ``tool`` message becomes a ``user`` message reading ``"Tool result: <content>"``.
    3. An assistant's ``tool_calls`` are dropped (the service has no tools).

    The input list and its messages are not modified.
    """
    instructions: list[str] = []
    out: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            instructions.append(_as_text(message.get("content")))
        elif role == "tool":
            out.append({"role": "user", "content": f"Tool result: {_as_text(message.get('content'))}"})
        elif role == "assistant" and "tool_calls" in message:
            out.append({k: v for k, v in message.items() if k != "tool_calls"})
        else:
            out.append(message)
    if not instructions:
        return out
    preamble = "\n\n".join(t for t in instructions if t)
    for i, message in enumerate(out):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                merged: Any = [{"type": "text", "text": preamble}, *content]
            else:
                merged = f"{preamble}\n\n{_as_text(content)}"
            out[i] = {**message, "content": merged}
            return out
    return [{"role": "user", "content": preamble}, *out]


def _as_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part.get("text", "") for part in content if isinstance(part, dict) and "text" in part
        )
    return str(content)
